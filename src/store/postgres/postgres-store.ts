import pLimit, { type LimitFunction } from "p-limit";
import pg from "pg";
import type { TransactionClient } from "../../core/enqueue-options.js";
import type { Batch } from "../../core/batch.js";
import type { StoredFlow } from "../../core/flow.js";
import { isClaimableOnInsert, type ClaimedJob, type Job, type JobId, type Lease, type NewJob } from "../../core/job.js";
import type { NewSchedule, Schedule } from "../../core/schedule.js";
import type { JobState, TerminalState } from "../../core/states.js";
import { ValidationError } from "../../core/errors.js";
import { storableAttemptError } from "../attempt-error.js";
import { backoffText } from "../backoff-text.js";
import { canceledUnderLease, replayedBatchMember } from "../ended-jobs.js";
import { batchFromRow, storedFlow, type BatchRow, type DependencyRow, type FlowRow } from "../flow-batch-rows.js";
import { expectAllCreated, flowEdges } from "../flow-edges.js";
import { distinctIdChunks } from "../id-chunks.js";
import { tallyQueueCounts } from "../queue-counts.js";
import { GroupedJobsProbe } from "../grouped-jobs-probe.js";
import { pageFetchSize, pageOf } from "../job-page.js";
import type {
  AttemptErrorInput,
  BackgroundErrorHandler,
  ChangeResult,
  ClaimParams,
  Completion,
  InsertedBatch,
  InsertedJob,
  JobPage,
  ListJobsParams,
  NewFlowNode,
  QueueCounts,
  ScheduleFiring,
  Store,
} from "../store.js";
import { asStoreError, lostInsertError } from "./connection-errors.js";
import { describeServer } from "./connection-url.js";
import type { PostgresEndedRow } from "./ended-jobs.js";
import { checkSchema, migrate } from "./migrate.js";
import type { MigrationReport } from "../migration-files.js";
import { claimedJobs, type ClaimedRow } from "./claimed-rows.js";
import { EndedTallyFolder } from "./ended-tally-folder.js";
import { NoticeListener } from "./notice-listener.js";
import { storeTypes } from "./timestamp-parser.js";
import { MissingLimitWindows, claimRestricted } from "./restricted-claim.js";
import { leaseRounds } from "./id-order.js";
import { JobCompletions } from "./job-completions.js";
import { JobInserts } from "./job-inserts.js";
import { leaseColumns } from "./lease-columns.js";
import { claimedOnInsert, jobFromRow, type ClaimedOnInsertRow, type JobRow } from "./rows.js";
import { scheduleFromRow, scheduleParams, type ScheduleRow } from "./schedule-rows.js";
import { schemaName, type SchemaName } from "./schema-name.js";
import { StatementRunner } from "./statement-runner.js";
import { loadStatements } from "./statements.js";

export interface PostgresStoreOptions {
  /** A `postgres://` connection string without Errand's `?schema=` (see parsePostgresUrl). */
  connectionString: string;
  /** Schema holding Errand's tables, created if missing. Default "errand". */
  schema?: string;
  /** Most connections this store opens at once (the listener's not counted). Default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing with StoreUnavailableError, ms. Default 5 000. */
  connectionTimeoutMs?: number;
  /**
   * Errors no caller is waiting for (see BackgroundErrorSource). Each is recovered from by
   * itself; they are reported so an operator can see an outage begin. Default: ignored.
   */
  onBackgroundError?: BackgroundErrorHandler;
  /**
   * Bring the schema up to date on open (default); with false, only refuse a schema not at
   * this code's version, for processes whose migrations run in a deploy step.
   */
  migrate?: boolean;
}

const DEFAULT_MAX_CONNECTIONS = 10;
/** The longest a pooled connection may sit idle inside one of Errand's transactions (see open). */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 2_000;
/** Ids per cancel notice: 300 of at most 20 characters stay under NOTIFY's 8000 bytes. */
const CANCELED_PER_NOTICE = 300;

/** How often the tallies are folded (fold_ended_tallies.sql): the triggers' change rows pile up, and pooled connections come and go (idle ones close after 10 s), each adding tally rows of its own. */
const TALLY_FOLD_INTERVAL_MS = 60_000;

/** What `errand migrate`'s one connection, and a look at the schema, need. */
type OneConnectionOptions = Pick<PostgresStoreOptions, "connectionString" | "schema" | "connectionTimeoutMs">;

/** Runs `fn` on a connection of its own, closed afterwards; its errors reported as the store's. */
async function withOneConnection<T>(options: OneConnectionOptions, fn: (client: pg.Client, schema: SchemaName) => Promise<T>): Promise<T> {
  const schema = schemaName(options.schema ?? "errand");
  const client = new pg.Client(connectionSettings(options, schema));
  // A connection lost between statements fails the statement; unheard, its 'error' event would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    return await fn(client, schema);
  } catch (error) {
    throw asStoreError(error, describeServer(options.connectionString));
  } finally {
    await client.end().catch(() => {});
  }
}

/** What the pool's connections and `errand migrate`'s one connection have alike. */
function connectionSettings(options: Pick<PostgresStoreOptions, "connectionString" | "connectionTimeoutMs">, schema: SchemaName) {
  return {
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    // Names the schema so an operator (or a test) can tell whose connections these are.
    application_name: `errand:${schema.name}`,
  };
}

/** Thrown inside a transaction to roll it back because the lease was lost (not an error to report). */
const LEASE_LOST = Symbol("lease lost");

/**
 * The shared store: many processes on many machines, one PostgreSQL. Claims take rows with
 * FOR UPDATE SKIP LOCKED so claimers never wait on each other; inserts and completions from
 * concurrent callers are coalesced into one statement each; every time is the server's clock.
 */
export class PostgresStore implements Store {
  readonly backend = "postgres";
  private readonly runner: StatementRunner;
  private readonly inserts: JobInserts;
  private readonly completions: JobCompletions;
  /**
   * Outcomes written one statement each (failures, snoozes) take at most half the pool at once.
   * A worker may hold hundreds of finished runs whose outcomes wait to be stored: a burst of
   * failures would otherwise queue them all on the pool, where heartbeats and claims would wait
   * behind them and checkouts past connectionTimeoutMs would fail.
   */
  private readonly outcomeWrites: LimitFunction;
  private readonly listener: NoticeListener;
  /** Started once the schema is known to be current (see open). */
  private tallyFolder: EndedTallyFolder | null = null;
  private closing: Promise<void> | null = null;
  private readonly groupedJobs = new GroupedJobsProbe(async (queues) => {
    const [row] = await this.runner.query<{ waiting: boolean }>("grouped_jobs_waiting", [queues]);
    return row!.waiting;
  });
  /** Where the next grouped claim starts visiting groups (see restricted-claim.ts). */
  private readonly groupCursor = { after: "" };

  private constructor(
    pool: pg.Pool,
    private readonly schema: SchemaName,
    options: PostgresStoreOptions,
  ) {
    this.runner = new StatementRunner({
      pool,
      statements: loadStatements(schema),
      where: describeServer(options.connectionString),
      onBackgroundError: options.onBackgroundError ?? (() => {}),
      connectionSettings: connectionSettings(options, schema),
    });
    this.inserts = new JobInserts(this.runner, schema.channel);
    this.completions = new JobCompletions(this.runner, schema.channel);
    this.outcomeWrites = pLimit(Math.max(1, Math.floor((options.maxConnections ?? DEFAULT_MAX_CONNECTIONS) / 2)));
    this.listener = new NoticeListener({
      connectionString: options.connectionString,
      schema,
      onError: (error) => this.runner.onBackgroundError(error, "listener"),
    });
  }

  /** Connects and brings the schema up to date (see migrate and options.migrate). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = schemaName(options.schema ?? "errand");
    const pool = new pg.Pool({
      ...connectionSettings(options, schema),
      max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      // The pool closes connections idle for 10 s; keeping one open spares a producer that
      // enqueues now and then a new connection per enqueue (measured: 10–12 ms instead of 1.7).
      min: 1,
      keepAlive: true,
      // Errand's transactions send their statements back to back, and some hold rows others
      // wait on (a limit's window, a batch's counts). A process that stops between two of them
      // (SIGSTOP, a VM pause, a long GC) would hold those rows as long as it stays stopped, and
      // stall every process's claims of that limited type: the server ends such a session.
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      types: storeTypes,
    });
    // Without a listener, an idle pooled connection that drops (server restart) would crash the
    // process. The pool discards that connection; the next query opens a fresh one.
    pool.on("error", (error) => {
      // pg-pool hangs the whole client on the error: a log of it would hold its settings, the
      // text of its prepared statements and its backend's cancel key.
      delete (error as { client?: unknown }).client;
      options.onBackgroundError?.(error, "idle connection");
    });
    const store = new PostgresStore(pool, schema, options);
    try {
      if (options.migrate === false) await store.runner.withClient((client) => checkSchema(client, schema, store.runner.statements));
      else await store.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    store.tallyFolder = new EndedTallyFolder({
      fold: () => store.foldEndedTallies(),
      intervalMs: TALLY_FOLD_INTERVAL_MS,
      onError: (error) => store.runner.onBackgroundError(error, "tally folding"),
    });
    return store;
  }

  /** Applies pending migrations to the schema on one short-lived connection: `errand migrate`. */
  static migrateSchema(options: OneConnectionOptions): Promise<MigrationReport> {
    return withOneConnection(options, (client, schema) => migrate(client, schema, loadStatements(schema)));
  }

  /** Whether the schema holds Errand's tables (its migrations table), looked at without creating anything. */
  static schemaExists(options: OneConnectionOptions): Promise<boolean> {
    return withOneConnection(options, async (client, schema) => {
      const { rows } = await client.query<{ present: boolean }>(loadStatements(schema).migration_table_present.text);
      return rows[0]!.present;
    });
  }

  migrate(): Promise<MigrationReport> {
    return this.runner.withClient((client) => migrate(client, this.schema, this.runner.statements));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([this.inserts.idle(), this.completions.idle(), this.tallyFolder?.stop()]);
      await this.listener.stop();
      await this.runner.end();
    })();
    return this.closing;
  }

  async now(): Promise<Date> {
    const [row] = await this.runner.query<{ now: Date }>("now", []);
    return row!.now;
  }

  async checkWritable(): Promise<void> {
    // A server that answers takes writes: its locks are per row, none held for long.
    await this.now();
  }

  subscribeToNewJobs(listener: (queue: string | null) => void): Promise<() => Promise<void>> {
    return this.listener.subscribe("new-jobs", listener);
  }

  subscribeToCanceledJobs(listener: (jobIds: JobId[] | null) => void): Promise<() => Promise<void>> {
    return this.listener.subscribe("canceled", listener);
  }

  insertJobs(params: { jobs: NewJob[]; tx?: TransactionClient }): Promise<InsertedJob[]> {
    if (params.jobs.length === 0) return Promise.resolve([]);
    const inserting = params.tx !== undefined ? this.inserts.insertNow(params.jobs, params.tx).catch(this.callersTransactionError) : this.inserts.submit(params.jobs);
    return this.groupedJobs.afterInsert(params.jobs, inserting);
  }

  /**
   * No Errand schema where the caller's transaction looks (invalid_schema_name, undefined_table):
   * its client is connected to another database than the store's, the likely mistake, which
   * pg's own "schema does not exist" would hide behind a schema that seems not migrated.
   */
  private readonly callersTransactionError = (error: unknown): never => {
    const code = (error as { code?: unknown }).code;
    if (code !== "3F000" && code !== "42P01") throw error;
    throw new ValidationError(
      "tx",
      `its connection finds no Errand schema "${this.schema.name}" (${(error as Error).message}): is it a client of the database Errand uses?`,
    );
  };

  async insertClaimedJob(params: { job: NewJob; workerId: string; leaseMs: number }): Promise<ClaimedJob | null> {
    const { job, workerId, leaseMs } = params;
    if (!isClaimableOnInsert(job)) throw new Error("insertClaimedJob: only a job a claim would take at once");
    const values = [job.payload, job.type, job.queue, job.priority, job.maxAttempts, job.timeoutMs, backoffText(job.backoff)];
    let rows: ClaimedOnInsertRow[];
    try {
      rows = await this.runner.query("insert_claimed_job", [...values, job.idempotencyKey, job.correlationId, job.webhookUrl, workerId, leaseMs]);
    } catch (error) {
      // Written or not, as any enqueue whose reply was lost; if written, its lease runs out
      // unheld and the reaper hands it out again.
      throw lostInsertError(error, false);
    }
    return rows[0] === undefined ? null : claimedOnInsert(job, rows[0], workerId);
  }

  async getJob(params: { id: JobId }): Promise<Job | null> {
    const [row] = await this.runner.query<JobRow>("get_job", [params.id]);
    return row === undefined ? null : jobFromRow(row);
  }

  async getJobs(params: { ids: JobId[] }): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const ids of distinctIdChunks(params.ids)) jobs.push(...(await this.runner.query<JobRow>("get_jobs", [ids])).map(jobFromRow));
    return jobs;
  }

  async listJobs(params: ListJobsParams): Promise<JobPage> {
    const rows = await this.runner.query<JobRow>("list_jobs", [
      params.type ?? null,
      params.queue ?? null,
      params.state ?? null,
      params.cursor ?? null,
      pageFetchSize(params.limit),
    ]);
    return pageOf(rows.map(jobFromRow), params.limit);
  }

  async countJobs(params: { queues?: string[] }): Promise<QueueCounts[]> {
    const rows = await this.runner.query<{ queue: string; visible_state: JobState; n: number }>("count_jobs", [
      params.queues ?? null,
    ]);
    return tallyQueueCounts(rows);
  }

  /** Folds the changes the triggers recorded, and the tallies of backends that have gone, into slot 0 (migration 012); resolves to how many rows it folded. */
  async foldEndedTallies(): Promise<number> {
    const [row] = await this.runner.query<{ folded: number }>("fold_ended_tallies", []);
    return row!.folded;
  }

  async claimJobs(params: ClaimParams): Promise<ClaimedJob[]> {
    if (params.limit <= 0 || params.queues.length === 0) return [];
    const known = this.groupedJobs.known(params);
    if ((params.limits ?? []).length > 0 || known === true) {
      return this.claimRestrictedJobs({ ...params, grouped: known ?? (await this.groupedJobs.worthLooking(params)) });
    }
    // A due probe (at most one per PROBE_INTERVAL_MS) runs beside the plain claim, not before
    // it: one round trip between a job's NOTIFY and its handler, not two.
    const probing = known === undefined ? this.groupedJobs.worthLooking(params) : null;
    probing?.catch(() => {}); // awaited below, unless the claim fails first
    const values = [params.queues, params.limit, params.workerId, params.leaseMs];
    const claimed = claimedJobs(await this.runner.queryPrepared<ClaimedRow>("claim_jobs", values, { arrays: true }), params.workerId);
    if (probing === null || claimed.length === params.limit) return claimed;
    // The plain claim has committed: from here on a failure must not lose its jobs (held under
    // this worker's lease, they would wait for it to expire and count as a failed attempt).
    try {
      if (!(await probing)) return claimed;
      // Grouped jobs wait, and the plain claim (which skips them) left slots free. They go
      // first: taken for free slots, they should start now, not wait in the worker's buffer
      // behind the plain jobs while holding their group's turn.
      const rest = { ...params, limit: params.limit - claimed.length, grouped: true };
      return [...(await this.claimRestrictedJobs(rest)), ...claimed];
    } catch (error) {
      this.runner.onBackgroundError(error, "grouped claim");
      return claimed; // the next claim looks again
    }
  }

  /** Claims through claimRestricted (limits enforced, grouped jobs taken in turn), in one transaction. */
  private async claimRestrictedJobs(params: ClaimParams & { grouped: boolean }): Promise<ClaimedJob[]> {
    const claim = () =>
      this.runner.transaction((client) =>
        claimRestricted((statement, values, options) => this.runner.queryPrepared(statement, values, { ...options, client }), {
          ...params,
          lockNamespace: this.schema.name,
          groupCursor: this.groupCursor,
        }),
      );
    try {
      return claimedJobs(await claim(), params.workerId);
    } catch (error) {
      if (!(error instanceof MissingLimitWindows)) throw error;
      // Created outside the claim's transaction, so a claim never waits on another's new row
      // while holding windows of its own.
      await this.runner.run("create_limit_windows", [error.keys]);
      return claimedJobs(await claim(), params.workerId);
    }
  }

  async extendLeases(params: { leases: Lease[]; leaseMs: number }): Promise<JobId[]> {
    if (params.leases.length === 0) return [];
    const held: JobId[] = [];
    for (const round of leaseRounds(params.leases)) {
      const rows = await this.runner.query<{ id: string }>("extend_leases", [...leaseColumns(params.leases, round), params.leaseMs]);
      held.push(...rows.map((r) => r.id));
    }
    return held;
  }

  async completeJobs(params: { completions: Completion[] }): Promise<boolean[]> {
    if (params.completions.length === 0) return [];
    return this.completions.submit(params.completions);
  }

  /**
   * The fenced completion runs after `work`, not before: locking the job row first would hold
   * it for the whole callback and stall this worker's batched lease extensions behind it.
   * Checked last, a lease lost meanwhile still makes the whole transaction roll back.
   */
  async completeJobInTransaction(params: {
    lease: Lease;
    work: (tx: TransactionClient) => Promise<string | null>;
    signal?: AbortSignal;
  }): Promise<boolean> {
    try {
      return await this.runner.transaction(
        async (client) => {
          const result = await params.work(client);
          const [accepted] = await this.completions.completeSettling([{ lease: params.lease, result }], client);
          if (!accepted) throw LEASE_LOST;
          return true;
        },
        // The handler's own statements may wait on its own work between them, as long as it takes:
        // the pool's idle-in-transaction limit is for Errand's statements (see open).
        { begin: "BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0", ...(params.signal ? { signal: params.signal } : {}) },
      );
    } catch (error) {
      if (error === LEASE_LOST) return false;
      throw error;
    }
  }

  async failJob(params: { lease: Lease; error: AttemptErrorInput; retryDelayMs: number | null }): Promise<Job | null> {
    const { lease } = params;
    const error = storableAttemptError(params.error);
    const values = [lease.jobId, lease.attempt, lease.workerId, params.retryDelayMs, error.message, error.code, error.stack];
    // A retry ends nothing: one statement. A final failure settles its flow and batch with it.
    const [row] = await this.outcomeWrites(() =>
      params.retryDelayMs !== null
        ? this.runner.query<JobRow>("fail_job", values)
        : this.runner.transaction(async (client) =>
            this.completions.endJobs(await this.runner.query<JobRow>("fail_job", values, client), client),
          ),
    );
    if (row !== undefined) return jobFromRow(row);
    // Refused: the lease is gone, or this failure already committed and its reply was lost.
    const [recorded] = await this.runner.query<JobRow>("failed_under_lease", [lease.jobId, lease.attempt, lease.workerId]);
    return recorded === undefined ? null : jobFromRow(recorded);
  }

  async snoozeJob(params: { lease: Lease; delayMs: number }): Promise<boolean> {
    // runOnce: a worker tries a snooze again only if it certainly was not written (JobRun).
    const values = [...leaseColumns([params.lease], [0]), params.delayMs];
    return (await this.outcomeWrites(() => this.runner.runOnce("snooze_jobs", values))).rowCount === 1;
  }

  async releaseJobs(params: { leases: Lease[] }): Promise<number> {
    if (params.leases.length === 0) return 0;
    return this.snooze(params.leases, null);
  }

  async updateProgress(params: { lease: Lease; progress: number }): Promise<boolean> {
    const { lease } = params;
    const result = await this.runner.run("update_progress", [lease.jobId, lease.attempt, lease.workerId, params.progress]);
    return result.rowCount === 1;
  }

  async rescueExpiredLeases(params: { limit: number }): Promise<Job[]> {
    const rows = await this.runner.transaction(async (client) =>
      this.completions.endJobs(await this.runner.query<JobRow>("rescue_expired_leases", [params.limit], client), client),
    );
    return rows.map(jobFromRow);
  }

  cancelJob(params: { id: JobId; lease?: Lease; error?: AttemptErrorInput }): Promise<ChangeResult> {
    const { lease } = params;
    const error = params.error && storableAttemptError(params.error);
    const reason = [error?.message ?? null, error?.code ?? null, error?.stack ?? null];
    return this.change(params.id, "cancel_job", [lease?.attempt ?? null, lease?.workerId ?? null, ...reason], lease);
  }

  retryJob(params: { id: JobId; listedMaxAttempts?: number }): Promise<ChangeResult> {
    return this.change(params.id, "retry_job", [this.schema.channel], undefined, params.listedMaxAttempts);
  }

  async pauseQueue(params: { queue: string }): Promise<void> {
    await this.runner.run("pause_queue", [params.queue]);
  }

  async resumeQueue(params: { queue: string }): Promise<void> {
    await this.runner.run("resume_queue", [params.queue, this.schema.channel]);
  }

  async listPausedQueues(): Promise<string[]> {
    return (await this.runner.query<{ queue: string }>("list_paused_queues", [])).map((r) => r.queue);
  }

  async listJobsAwaitingWebhook(params: { limit: number }): Promise<Job[]> {
    return (await this.runner.query<JobRow>("list_jobs_awaiting_webhook", [params.limit])).map(jobFromRow);
  }

  async markWebhooksEnqueued(params: { jobs: Pick<Job, "id" | "finishedAt">[] }): Promise<void> {
    if (params.jobs.length === 0) return;
    await this.runner.run("mark_webhooks_enqueued", [params.jobs.map((j) => j.id), params.jobs.map((j) => j.finishedAt)]);
  }

  async insertFlow(params: { nodes: NewFlowNode[] }): Promise<StoredFlow> {
    return this.runner.transaction(async (client) => {
      const [flow] = await this.runner.query<FlowRow>("insert_flow", [], client);
      const inserted = await this.inserts.insertNow(params.nodes.map((n) => ({ ...n.job, flowId: String(flow!.id) })), client);
      expectAllCreated(inserted, "flow nodes");
      const jobs = inserted.map((i) => i.job);
      const edges = flowEdges(params.nodes, jobs.map((j) => j.id));
      if (edges.length > 0)
        await this.runner.run(
          "insert_dependencies",
          [edges.map((e) => e.parentId), edges.map((e) => e.childId), edges.map((e) => e.position)],
          client,
        );
      return storedFlow(flow!, jobs, edges.map((e) => ({ parent_id: e.parentId, child_id: e.childId })));
    });
  }

  async getFlow(params: { id: string }): Promise<StoredFlow | null> {
    // One snapshot, so the nodes and edges are of one moment.
    return this.runner.transaction((client) => this.readFlow(params.id, client), { begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" });
  }

  async cancelFlow(params: { id: string }): Promise<{ flow: StoredFlow; canceledIds: JobId[] } | null> {
    return this.runner.transaction(async (client) => {
      const [flow] = await this.runner.query<FlowRow>("get_flow", [params.id], client);
      if (flow === undefined) return null;
      const ended = await this.runner.query<PostgresEndedRow>("cancel_flow_jobs", [params.id], client);
      const canceled = await this.completions.endJobs(ended, client);
      await this.announceCanceled(canceled.map((r) => r.id), client);
      return { flow: (await this.readFlow(params.id, client))!, canceledIds: canceled.map((r) => r.id) };
    });
  }

  async getParentJobs(params: { jobId: JobId }): Promise<Job[]> {
    return (await this.runner.query<JobRow>("list_parent_jobs", [params.jobId])).map(jobFromRow);
  }

  async insertBatch(params: { jobs: NewJob[]; onComplete: NewJob }): Promise<InsertedBatch> {
    return this.runner.transaction(async (client) => {
      // Members name the batch, and the batch names its onComplete job, inserted after the
      // members: a job's turn in its group follows its id, so an onComplete job in a member's
      // group must come after them, or it would hold the group's turn while it waits for them.
      const [batch] = await this.runner.query<BatchRow>("insert_batch", [params.jobs.length], client);
      const members = await this.inserts.insertNow(params.jobs.map((j) => ({ ...j, batchId: String(batch!.id) })), client);
      const [callback] = (await this.inserts.insertNow([params.onComplete], client)) as [InsertedJob];
      expectAllCreated([callback, ...members], "a batch's jobs");
      const [row] = await this.runner.query<BatchRow>("set_batch_on_complete", [batch!.id, callback.job.id], client);
      return { batch: batchFromRow(row!), jobs: members.map((i) => i.job), onComplete: callback.job };
    });
  }

  async getBatch(params: { id: string }): Promise<Batch | null> {
    const [row] = await this.runner.query<BatchRow>("get_batch", [params.id]);
    return row === undefined ? null : batchFromRow(row);
  }

  private async readFlow(id: string, client: pg.PoolClient): Promise<StoredFlow | null> {
    const [flow] = await this.runner.query<FlowRow>("get_flow", [id], client);
    if (flow === undefined) return null;
    const jobs = (await this.runner.query<JobRow>("list_flow_jobs", [id], client)).map(jobFromRow);
    return storedFlow(flow, jobs, await this.runner.query<DependencyRow>("list_flow_dependencies", [id], client));
  }

  async saveSchedule(params: { schedule: NewSchedule }): Promise<Schedule> {
    const [row] = await this.runner.query<ScheduleRow>("save_schedule", scheduleParams(params.schedule));
    return scheduleFromRow(row!);
  }

  async getSchedule(params: { name: string }): Promise<Schedule | null> {
    return this.scheduleOrNull(await this.runner.query<ScheduleRow>("get_schedule", [params.name]));
  }

  async listSchedules(): Promise<Schedule[]> {
    return (await this.runner.query<ScheduleRow>("list_schedules", [])).map(scheduleFromRow);
  }

  async pauseSchedule(params: { name: string }): Promise<Schedule | null> {
    return this.scheduleOrNull(await this.runner.query<ScheduleRow>("pause_schedule", [params.name]));
  }

  async resumeSchedule(params: { name: string; nextTickAt: Date }): Promise<Schedule | null> {
    return this.scheduleOrNull(await this.runner.query<ScheduleRow>("resume_schedule", [params.name, params.nextTickAt]));
  }

  async removeSchedule(params: { name: string }): Promise<boolean> {
    return (await this.runner.run("remove_schedule", [params.name])).rowCount === 1;
  }

  async listDueSchedules(params: { limit: number }): Promise<Schedule[]> {
    return (await this.runner.query<ScheduleRow>("list_due_schedules", [params.limit])).map(scheduleFromRow);
  }

  /**
   * A second firer's compare-and-set waits on the row lock of the first, then finds the tick
   * moved and changes nothing; it inserts no job.
   */
  async fireSchedule(params: { name: string; dueAt: Date; plan: (schedule: Schedule) => ScheduleFiring }) {
    return this.runner.transaction(async (client) => {
      const [row] = await this.runner.query<ScheduleRow>("lock_due_schedule", [params.name, params.dueAt], client);
      if (row === undefined) return null;
      const firing = params.plan(scheduleFromRow(row));
      await this.runner.run("advance_schedule", [params.name, params.dueAt, firing.nextTickAt, firing.lastTickAt], client);
      return firing.jobs.length === 0 ? [] : this.inserts.insertNow(firing.jobs, client);
    });
  }

  private scheduleOrNull([row]: ScheduleRow[]): Schedule | null {
    return row === undefined ? null : scheduleFromRow(row);
  }

  async deleteEndedJobs(params: { state: TerminalState; olderThanMs: number | null; keepNewest: number | null; limit: number }): Promise<number> {
    const values = [params.state, params.olderThanMs, params.keepNewest, params.limit];
    const [row] = await this.runner.query<{ deleted: number }>("delete_ended_jobs", values);
    return row!.deleted;
  }

  async takeMaintenanceLease(params: { name: string; holder: string; leaseMs: number }): Promise<boolean> {
    return (await this.runner.query("take_maintenance_lease", [params.name, params.holder, params.leaseMs])).length === 1;
  }

  async releaseMaintenanceLease(params: { name: string; holder: string }): Promise<void> {
    await this.runner.run("release_maintenance_lease", [params.name, params.holder]);
  }

  /**
   * A guarded single-row update that tells "no such job" from "not in a state for it": the row
   * is locked first, so the state reported as previous (or as the conflict) is the one judged.
   */
  private async change(
    id: JobId,
    statement: "cancel_job" | "retry_job",
    extra: unknown[],
    lease?: Lease,
    listedMaxAttempts?: number,
  ): Promise<ChangeResult> {
    return this.runner.transaction(async (client) => {
      // A replay may make a flow child wait again: see lock_parents_of_job.sql.
      if (statement === "retry_job") await this.runner.run("lock_parents_of_job", [id], client);
      const [before] = await this.runner.query<JobRow>("lock_job", [id], client);
      if (before === undefined) return { outcome: "not_found" };
      if (listedMaxAttempts !== undefined && before.max_attempts !== listedMaxAttempts) return { outcome: "conflict", job: jobFromRow(before) };
      if (statement === "retry_job" && before.flow_id !== null) await this.runner.run("reopen_parent_edges", [id], client);
      const [after] = await this.runner.query<JobRow>(statement, [id, ...extra], client);
      if (after === undefined) {
        if (lease !== undefined && canceledUnderLease(before, lease)) return { outcome: "changed", job: jobFromRow(before), previousState: "running" };
        return { outcome: "conflict", job: jobFromRow(before) };
      }
      await this.completions.endJobs([after], client);
      if (statement === "cancel_job" && before.state === "running" && lease === undefined) await this.announceCanceled([id], client);
      if (statement === "retry_job" && after.flow_id !== null) await this.runner.run("rewait_children", [id], client);
      if (replayedBatchMember(before, after)) await this.runner.run("uncount_batch_member", [after.batch_id, before.state], client);
      return { outcome: "changed", job: jobFromRow(after), previousState: before.state };
    });
  }

  /**
   * Tells the workers that may hold `ids` (claimed: running, or prefetched and about to start)
   * that they were canceled, on commit: each stops them at once instead of at its next heartbeat.
   */
  private async announceCanceled(ids: JobId[], client: pg.PoolClient): Promise<void> {
    for (let i = 0; i < ids.length; i += CANCELED_PER_NOTICE) {
      await this.runner.run("notify_canceled", [this.schema.cancelChannel, ids.slice(i, i + CANCELED_PER_NOTICE).join(",")], client);
    }
  }

  private async snooze(leases: Lease[], delayMs: number | null): Promise<number> {
    let changed = 0;
    for (const round of leaseRounds(leases)) {
      changed += (await this.runner.run("snooze_jobs", [...leaseColumns(leases, round), delayMs])).rowCount ?? 0;
    }
    return changed;
  }
}
