import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Batch } from "../../core/batch.js";
import type { StoredFlow } from "../../core/flow.js";
import { isClaimableOnInsert, type ClaimedJob, type Job, type JobId, type Lease, type NewJob } from "../../core/job.js";
import type { NewSchedule, Schedule } from "../../core/schedule.js";
import type { JobState, TerminalState } from "../../core/states.js";
import { ClosedError, StoreUnavailableError, ValidationError } from "../../core/errors.js";
import { storableAttemptError } from "../attempt-error.js";
import { canceledUnderLease, replayedBatchMember } from "../ended-jobs.js";
import { batchFromRow, storedFlow, type BatchRow, type DependencyRow, type FlowRow } from "../flow-batch-rows.js";
import { expectAllCreated, flowEdges } from "../flow-edges.js";
import { GroupCommit } from "../group-commit.js";
import { distinctIdChunks } from "../id-chunks.js";
import { backoffText } from "../backoff-text.js";
import { tallyQueueCounts } from "../queue-counts.js";
import { GroupedJobsProbe } from "../grouped-jobs-probe.js";
import { pageFetchSize, pageOf } from "../job-page.js";
import type {
  AttemptErrorInput,
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
import { settleEndedJobs, type SqliteEndedRow, type WriteEffects } from "./ended-jobs.js";
import { EndedTally } from "./ended-tally.js";
import { checkSchema, checkSchemaOfFile, migrate } from "./migrate.js";
import type { MigrationReport } from "../migration-files.js";
import { claimRestricted } from "./restricted-claim.js";
import { claimedJob, jobFromRow, newJobRow, type ClaimableValues, type JobRow } from "./rows.js";
import { busyAsUnavailable, isBusy, requireWritable, unwritableAsUnavailable } from "./write-errors.js";
import { scheduleFromRow, scheduleParams, type ScheduleRow } from "./schedule-rows.js";
import { INSERT_CHUNK, prepareStatements, type Statements } from "./statements.js";

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing, in ms. */
  busyTimeoutMs?: number;
  /**
   * Bring the schema up to date on open (default); with false, only refuse a database whose
   * schema is not at this code's version, for processes whose migrations run in a deploy step.
   */
  migrate?: boolean;
}

const leaseParams = (lease: Lease) => ({ id: lease.jobId, attempt: lease.attempt, worker_id: lease.workerId });
/** A new job's column values, as the insert statements bind them, and the row they produce. */
function insertableRow(job: NewJob, now: number) {
  const runAt = job.runAt === null ? now + job.delayMs : job.runAt.getTime();
  const state = job.parentsWaiting > 0 ? "blocked" : runAt > now ? "scheduled" : "pending";
  const backoff = backoffText(job.backoff);
  const head = [job.type, job.queue, state, job.payload, job.priority, job.maxAttempts, job.timeoutMs, backoff];
  const tail = [
    job.correlationId ?? null,
    job.webhookUrl ?? null,
    job.webhookUrl ? 1 : 0,
    job.groupKey,
    job.groupLimit,
    job.flowId,
    job.flowNode,
    job.parentsWaiting,
    job.onParentFailure,
    job.batchId,
  ];
  return {
    unkeyedParams: [...head, now, runAt, ...tail],
    keyedParams: [...head, job.idempotencyKey, now, runAt, ...tail],
    row: (id: number) => newJobRow(job, id, state, backoff, now, runAt),
  };
}

function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    // SQLite's own message names no file: say which one, and what usually stands in the way.
    if ((error as { code?: unknown }).code !== "SQLITE_CANTOPEN") throw error;
    throw new ValidationError("database", `cannot open the SQLite database file "${path}" (is it a directory, or not readable and writable?)`);
  }
  try {
    // The timeout first: switching to WAL waits on another process's lock like any write.
    db.pragma(`busy_timeout = ${busyTimeoutOf(options)}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
  } catch (error) {
    db.close();
    // A file not yet in WAL mode, another connection writing it: SQLite refuses the switch at
    // once, without waiting out the busy timeout, so the usual busy message would not be true.
    if (isBusy(error))
      throw new StoreUnavailableError(
        `SQLite database ${path} is busy: another connection is writing it, so it could not be switched to WAL mode (SQLite does not wait for that); nothing was written, so trying again is safe`,
        { cause: error, outcome: "not_written" },
      );
    if ((error as { code?: unknown }).code === "SQLITE_NOTADB") throw new ValidationError("database", `"${path}" is not a SQLite database`);
    throw unwritableAsUnavailable(error, path);
  }
  return db;
}


const busyTimeoutOf = (options: SqliteStoreOptions) => Math.trunc(options.busyTimeoutMs ?? 10_000);

/**
 * How long one try at the write lock may wait inside SQLite. better-sqlite3 is synchronous: a
 * try that waited the whole busy timeout would stop this process's event loop that long while
 * another process held the lock (heartbeats, HTTP and timers frozen with it), so a write tries
 * for this long, lets the event loop run, and tries again until the busy timeout is spent.
 */
const LOCK_TRY_MS = 20;
/** The longest pause between two tries. */
const MAX_LOCK_PAUSE_MS = 50;

const leaseJson = (lease: Lease) => ({ id: Number(lease.jobId), attempt: lease.attempt, worker_id: lease.workerId });

/**
 * The embedded store: one better-sqlite3 connection per process, WAL so readers never block
 * the writer, synchronous=FULL so a commit survives power loss, and BEGIN IMMEDIATE for
 * every write transaction so processes sharing the file queue on the lock instead of
 * deadlocking on a read-to-write upgrade.
 */
export class SqliteStore implements Store {
  readonly backend = "sqlite";
  private readonly statements: Statements;
  private readonly inserts: GroupCommit<NewJob[], InsertedJob[]>;
  private readonly completions: GroupCommit<Completion[], boolean[]>;
  private closed = false;
  private readonly groupedJobs = new GroupedJobsProbe(async (queues) =>
    (this.sql.grouped_jobs_waiting.get({ queues: JSON.stringify(queues) }) as { waiting: number }).waiting === 1,
  );
  /** Where the next grouped claim starts visiting groups (see restricted-claim.ts). */
  private readonly groupCursor = { after: "" };
  /** What the current write transaction gathers as it goes (see write()). */
  private readonly effects: WriteEffects = { released: new Set<string>(), tally: new EndedTally() };
  private readonly releaseListeners = new Set<(queue: string | null) => void>();

  /** Writes waiting for another process's lock, which close() waits for. */
  private readonly writing = new Set<Promise<unknown>>();
  /** The last of the writes taking turns at another process's lock (see write()); null when none waits. */
  private lockTurns: Promise<void> | null = null;
  /** When this process's writes began to meet another process's lock (see noteLocked); null once one gets through. */
  private lockedSince: number | null = null;
  private turnsEndedAt = 0;

  private constructor(
    private readonly db: Database.Database,
    private readonly busyTimeoutMs: number,
  ) {
    this.statements = prepareStatements(db);
    this.inserts = new GroupCommit((units) => this.write(() => units.map((jobs) => this.insertNow(jobs))));
    this.completions = new GroupCommit((units) => this.write(() => units.map((c) => this.completeNow(c))));
  }

  /** Opens (creating if needed) the database file and brings its schema up to date (see options.migrate). */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    // Checking must not change a file it refuses: looked at read-only before opening it. (Even
    // so, a WAL file needs its folder writable, for the -shm file: SQLITE_READONLY_DIRECTORY.)
    if (options.migrate === false) {
      try {
        checkSchemaOfFile(path);
      } catch (error) {
        throw unwritableAsUnavailable(error, path);
      }
    }
    const db = openDatabase(path, options);
    try {
      // Before the constructor: it prepares statements, which need the tables. Checked again
      // on this connection, in case the file changed since the look. (Without migrations, as
      // the CLI's read commands open it: a file they may only read is theirs to read.)
      if (options.migrate === false) checkSchema(db);
      else {
        if (path !== ":memory:") requireWritable(path);
        migrate(db);
      }
    } catch (error) {
      db.close();
      throw error;
    }
    // From now on a write waits for the lock between tries, not inside SQLite (see write()).
    db.pragma(`busy_timeout = ${LOCK_TRY_MS}`);
    return new SqliteStore(db, busyTimeoutOf(options));
  }

  /** Applies pending migrations to the file at `path` and closes it: `errand migrate`. */
  static migrateFile(path: string, options: SqliteStoreOptions = {}): MigrationReport {
    const db = openDatabase(path, options);
    try {
      return migrate(db);
    } finally {
      db.close();
    }
  }

  /** The prepared statements; once close() has closed the connection, ClosedError instead of the driver's TypeError. */
  private get sql(): Statements {
    this.openDb();
    return this.statements;
  }

  private openDb(): Database.Database {
    if (!this.db.open) throw new ClosedError(`the SQLite store at ${this.db.name}`);
    return this.db;
  }

  async migrate(): Promise<MigrationReport> {
    this.openDb();
    // Runs as at open: a migration is rare, and waits for the lock the whole busy timeout.
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    try {
      return migrate(this.db);
    } finally {
      this.db.pragma(`busy_timeout = ${LOCK_TRY_MS}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.inserts.idle(), this.completions.idle()]);
    await Promise.allSettled([...this.writing]);
    this.db.close();
  }

  async now(): Promise<Date> {
    return new Date(Date.now());
  }

  async checkWritable(): Promise<void> {
    // Takes the write lock and gives it back: an empty transaction writes nothing.
    await this.write(() => undefined);
  }

  insertJobs(params: { jobs: NewJob[] }): Promise<InsertedJob[]> {
    return this.groupedJobs.afterInsert(params.jobs, this.inserts.submit(params.jobs));
  }

  async insertClaimedJob(params: { job: NewJob; workerId: string; leaseMs: number }): Promise<ClaimedJob | null> {
    const { job, workerId, leaseMs } = params;
    if (!isClaimableOnInsert(job)) throw new Error("insertClaimedJob: only a job a claim would take at once");
    const backoff = backoffText(job.backoff);
    return this.write(() => {
      const now = Date.now();
      const lease = { started_at: now, worker_id: workerId, lease_expires_at: now + leaseMs };
      const info = this.sql.insert_claimed_job.run({
        type: job.type,
        queue: job.queue,
        payload: job.payload,
        priority: job.priority,
        max_attempts: job.maxAttempts,
        timeout_ms: job.timeoutMs,
        backoff,
        idempotency_key: job.idempotencyKey,
        now,
        correlation_id: job.correlationId,
        webhook_url: job.webhookUrl,
        ...lease,
      });
      if (info.changes === 0) return null;
      const row = newJobRow(job, Number(info.lastInsertRowid), "running", backoff, now, now);
      return { ...jobFromRow({ ...row, attempt: 1, ...lease }, now), attemptsBeforeReplay: 0 };
    });
  }

  async getJob(params: { id: JobId }) {
    const row = this.sql.get_job.get({ id: params.id }) as JobRow | undefined;
    return row === undefined ? null : jobFromRow(row, Date.now());
  }

  async getJobs(params: { ids: JobId[] }): Promise<Job[]> {
    const now = Date.now();
    return distinctIdChunks(params.ids).flatMap((ids) =>
      (this.sql.get_jobs.all({ ids: JSON.stringify(ids) }) as JobRow[]).map((r) => jobFromRow(r, now)),
    );
  }

  async listJobs(params: ListJobsParams): Promise<JobPage> {
    const now = Date.now();
    const rows = this.sql[listStatementFor(params.state)].all({
      type: params.type ?? null,
      queue: params.queue ?? null,
      state: params.state ?? null,
      cursor: params.cursor ?? null,
      limit: pageFetchSize(params.limit),
      now,
    }) as JobRow[];
    return pageOf(rows.map((r) => jobFromRow(r, now)), params.limit);
  }

  async countJobs(params: { queues?: string[] }): Promise<QueueCounts[]> {
    const rows = this.sql.count_jobs.all({
      now: Date.now(),
      queues: params.queues ? JSON.stringify(params.queues) : null,
    }) as { queue: string; visible_state: JobState; n: number }[];
    return tallyQueueCounts(rows);
  }

  async claimJobs(params: ClaimParams) {
    if (params.limit <= 0 || params.queues.length === 0) return [];
    const grouped = await this.groupedJobs.worthLooking(params);
    const restricted = grouped || (params.limits ?? []).length > 0;
    // The clock is read once the write lock is held: a rate limit's window must end after
    // every start recorded by the claims this one waited for.
    let now = 0;
    const rows = await this.write(
      () => {
        now = Date.now();
        const found = restricted
          ? claimRestricted(this.sql, { ...params, grouped, now, groupCursor: this.groupCursor })
          : (this.sql.select_claimable.all({ queues: JSON.stringify(params.queues), limit: params.limit, now }) as ClaimableValues[]);
        if (found.length > 0) {
          this.sql.claim_jobs.run({
            ids: JSON.stringify(found.map((values) => values[0])),
            worker_id: params.workerId,
            lease_expires_at: now + params.leaseMs,
            now,
          });
        }
        return found;
      },
      { flush: false },
    );
    return rows.map((row) => claimedJob(row, params.workerId, now + params.leaseMs, now));
  }

  async lostLeases(params: { leases: Lease[] }): Promise<JobId[]> {
    if (params.leases.length === 0) return [];
    const rows = this.sql.list_lost_leases.all({ leases: JSON.stringify(params.leases.map(leaseJson)) }) as { id: number }[];
    return rows.map((r) => String(r.id));
  }

  async extendLeases(params: { leases: Lease[]; leaseMs: number }): Promise<JobId[]> {
    if (params.leases.length === 0) return [];
    const rows = await this.write(
      () =>
        this.sql.extend_leases.all({
          now: Date.now(),
          lease_ms: params.leaseMs,
          leases: JSON.stringify(params.leases.map(leaseJson)),
        }) as { id: number }[],
    );
    return rows.map((r) => String(r.id));
  }

  async completeJobs(params: { completions: Completion[] }): Promise<boolean[]> {
    if (params.completions.length === 0) return [];
    return this.completions.submit(params.completions);
  }

  async failJob(params: { lease: Lease; error: AttemptErrorInput; retryDelayMs: number | null }) {
    const now = Date.now();
    const error = storableAttemptError(params.error);
    const row = await this.write(() => {
      const failed = this.sql.fail_job.get({
        ...leaseParams(params.lease),
        retry_delay_ms: params.retryDelayMs,
        message: error.message,
        code: error.code,
        stack: error.stack,
        now,
      }) as JobRow | undefined;
      if (failed !== undefined) settleEndedJobs(this.sql, [failed], now, this.effects);
      // Refused: the lease is gone, or this failure is already recorded.
      return failed ?? (this.sql.failed_under_lease.get(leaseParams(params.lease)) as JobRow | undefined);
    });
    return row === undefined ? null : jobFromRow(row, now);
  }

  async snoozeJob(params: { lease: Lease; delayMs: number }): Promise<boolean> {
    const now = Date.now();
    const info = await this.write(() =>
      this.sql.snooze_job.run({ ...leaseParams(params.lease), delay_ms: params.delayMs, now }),
    );
    return info.changes === 1;
  }

  async releaseJobs(params: { leases: Lease[] }): Promise<number> {
    const now = Date.now();
    return this.write(() =>
      params.leases.reduce(
        (n, lease) => n + this.sql.snooze_job.run({ ...leaseParams(lease), delay_ms: null, now }).changes,
        0,
      ),
    );
  }

  async updateProgress(params: { lease: Lease; progress: number }): Promise<boolean> {
    const info = await this.write(() =>
      this.sql.update_progress.run({ ...leaseParams(params.lease), progress: params.progress }),
    );
    return info.changes === 1;
  }

  async rescueExpiredLeases(params: { limit: number }) {
    const now = Date.now();
    const rows = await this.write(() => {
      const rescued = this.sql.rescue_expired_leases.all({ limit: params.limit, now }) as JobRow[];
      settleEndedJobs(this.sql, rescued, now, this.effects);
      return rescued;
    });
    return rows.map((r) => jobFromRow(r, now));
  }

  async cancelJob(params: { id: JobId; lease?: Lease; error?: AttemptErrorInput }): Promise<ChangeResult> {
    const { lease } = params;
    const error = params.error && storableAttemptError(params.error);
    return this.change(
      params.id,
      "cancel_job",
      {
        attempt: lease?.attempt ?? null,
        worker_id: lease?.workerId ?? null,
        message: error?.message ?? null,
        code: error?.code ?? null,
        stack: error?.stack ?? null,
      },
      lease,
    );
  }

  async retryJob(params: { id: JobId; listedMaxAttempts?: number }): Promise<ChangeResult> {
    return this.change(params.id, "retry_job", {}, undefined, params.listedMaxAttempts);
  }

  async pauseQueue(params: { queue: string }): Promise<void> {
    await this.write(() => this.sql.pause_queue.run({ queue: params.queue, now: Date.now() }));
  }

  async resumeQueue(params: { queue: string }): Promise<void> {
    await this.write(() => {
      // Resumed, its waiting jobs wake this process's idle workers.
      if (this.sql.resume_queue.run({ queue: params.queue }).changes > 0) this.effects.released.add(params.queue);
    });
  }

  async listPausedQueues(): Promise<string[]> {
    return (this.sql.list_paused_queues.all() as { queue: string }[]).map((r) => r.queue);
  }

  async listJobsAwaitingWebhook(params: { limit: number }): Promise<Job[]> {
    const now = Date.now();
    const rows = this.sql.list_jobs_awaiting_webhook.all({ limit: params.limit }) as JobRow[];
    return rows.map((r) => jobFromRow(r, now));
  }

  async markWebhooksEnqueued(params: { jobs: Pick<Job, "id" | "finishedAt">[] }): Promise<void> {
    if (params.jobs.length === 0) return;
    const endings = params.jobs.map((j) => [Number(j.id), j.finishedAt?.getTime() ?? null]);
    await this.write(() => this.sql.mark_webhooks_enqueued.run({ endings: JSON.stringify(endings) }));
  }

  async insertFlow(params: { nodes: NewFlowNode[] }): Promise<StoredFlow> {
    const now = Date.now();
    return this.write(() => {
      const flow = this.sql.insert_flow.get({ now }) as FlowRow;
      const inserted = this.insertNow(params.nodes.map((n) => ({ ...n.job, flowId: String(flow.id) })));
      expectAllCreated(inserted, "flow nodes");
      const jobs = inserted.map((i) => i.job);
      const edges = flowEdges(params.nodes, jobs.map((j) => j.id)).map((e) => ({
        parent_id: Number(e.parentId),
        child_id: Number(e.childId),
        position: e.position,
      }));
      if (edges.length > 0) this.sql.insert_dependencies.run({ edges: JSON.stringify(edges) });
      return storedFlow(flow, jobs, edges);
    });
  }

  async getFlow(params: { id: string }): Promise<StoredFlow | null> {
    // One read transaction, so the nodes and edges are of one moment.
    return this.openDb().transaction(() => this.readFlow(params.id))();
  }

  async cancelFlow(params: { id: string }): Promise<{ flow: StoredFlow; canceledIds: JobId[] } | null> {
    const now = Date.now();
    return this.write(() => {
      if (this.sql.get_flow.get({ id: params.id }) === undefined) return null;
      const canceled = this.sql.cancel_flow_jobs.all({ flow_id: params.id, now }) as SqliteEndedRow[];
      settleEndedJobs(this.sql, canceled, now, this.effects);
      return { flow: this.readFlow(params.id)!, canceledIds: canceled.map((r) => String(r.id)) };
    });
  }

  async getParentJobs(params: { jobId: JobId }): Promise<Job[]> {
    const now = Date.now();
    return (this.sql.list_parent_jobs.all({ child_id: params.jobId }) as JobRow[]).map((r) => jobFromRow(r, now));
  }

  async insertBatch(params: { jobs: NewJob[]; onComplete: NewJob }): Promise<InsertedBatch> {
    const now = Date.now();
    return this.write(() => {
      // Members name the batch, and the batch names its onComplete job, inserted after the
      // members: a job's turn in its group follows its id, so an onComplete job in a member's
      // group must come after them, or it would hold the group's turn while it waits for them.
      const batch = this.sql.insert_batch.get({ now, total: params.jobs.length }) as BatchRow;
      const members = this.insertNow(params.jobs.map((j) => ({ ...j, batchId: String(batch.id) })));
      const [callback] = this.insertNow([params.onComplete]) as [InsertedJob];
      expectAllCreated([callback, ...members], "a batch's jobs");
      const row = this.sql.set_batch_on_complete.get({ id: batch.id, on_complete_job_id: Number(callback.job.id) }) as BatchRow;
      return { batch: batchFromRow(row), jobs: members.map((i) => i.job), onComplete: callback.job };
    });
  }

  async getBatch(params: { id: string }): Promise<Batch | null> {
    const row = this.sql.get_batch.get({ id: params.id }) as BatchRow | undefined;
    return row === undefined ? null : batchFromRow(row);
  }

  private readFlow(id: string): StoredFlow | null {
    const flow = this.sql.get_flow.get({ id }) as FlowRow | undefined;
    if (flow === undefined) return null;
    const now = Date.now();
    const jobs = (this.sql.list_flow_jobs.all({ flow_id: id }) as JobRow[]).map((r) => jobFromRow(r, now));
    return storedFlow(flow, jobs, this.sql.list_flow_dependencies.all({ flow_id: id }) as DependencyRow[]);
  }

  async saveSchedule(params: { schedule: NewSchedule }): Promise<Schedule> {
    const values = scheduleParams(params.schedule, Date.now());
    return scheduleFromRow(await this.write(() => this.sql.save_schedule.get(values) as ScheduleRow));
  }

  async getSchedule(params: { name: string }): Promise<Schedule | null> {
    return this.scheduleOrNull(this.sql.get_schedule.get({ name: params.name }));
  }

  async listSchedules(): Promise<Schedule[]> {
    return (this.sql.list_schedules.all() as ScheduleRow[]).map(scheduleFromRow);
  }

  async pauseSchedule(params: { name: string }): Promise<Schedule | null> {
    return this.scheduleOrNull(await this.write(() => this.sql.pause_schedule.get({ name: params.name, now: Date.now() })));
  }

  async resumeSchedule(params: { name: string; nextTickAt: Date }): Promise<Schedule | null> {
    const values = { name: params.name, next_tick_at: params.nextTickAt.getTime(), now: Date.now() };
    return this.scheduleOrNull(await this.write(() => this.sql.resume_schedule.get(values)));
  }

  async removeSchedule(params: { name: string }): Promise<boolean> {
    return this.write(() => this.sql.remove_schedule.run({ name: params.name }).changes === 1);
  }

  async listDueSchedules(params: { limit: number }): Promise<Schedule[]> {
    const rows = this.sql.list_due_schedules.all({ now: Date.now(), limit: params.limit }) as ScheduleRow[];
    return rows.map(scheduleFromRow);
  }

  async fireSchedule(params: { name: string; dueAt: Date; plan: (schedule: Schedule) => ScheduleFiring }) {
    return this.write(() => {
      const row = this.sql.get_due_schedule.get({ name: params.name, due_at: params.dueAt.getTime() }) as ScheduleRow | undefined;
      if (row === undefined) return null;
      const firing = params.plan(scheduleFromRow(row));
      this.sql.advance_schedule.run({
        name: params.name,
        due_at: params.dueAt.getTime(),
        next_tick_at: firing.nextTickAt.getTime(),
        last_tick_at: firing.lastTickAt?.getTime() ?? null,
      });
      return this.insertNow(firing.jobs);
    });
  }

  private scheduleOrNull(row: unknown): Schedule | null {
    return row === undefined ? null : scheduleFromRow(row as ScheduleRow);
  }

  async deleteEndedJobs(params: { state: TerminalState; olderThanMs: number | null; keepNewest: number | null; limit: number }): Promise<number> {
    return this.write(() => {
      const deleted = this.sql.delete_ended_jobs.all({
        state: params.state,
        older_than_ms: params.olderThanMs,
        keep_newest: params.keepNewest,
        limit: params.limit,
        now: Date.now(),
      }) as { id: number; queue: string; flow_id: number | null }[];
      for (const row of deleted) this.effects.tally.left(row.queue, params.state);
      if (deleted.length > 0) {
        const ids = JSON.stringify(deleted.map((r) => r.id));
        const flowIds = JSON.stringify([...new Set(deleted.flatMap((r) => (r.flow_id === null ? [] : [r.flow_id])))]);
        this.sql.delete_dependencies_of_jobs.run({ ids });
        this.sql.mark_flows_of_jobs.run({ flow_ids: flowIds, state: params.state });
        this.sql.delete_flows_of_jobs.run({ flow_ids: flowIds });
        this.sql.delete_batches_of_jobs.run({ ids });
      }
      return deleted.length;
    });
  }

  async takeMaintenanceLease(params: { name: string; holder: string; leaseMs: number }): Promise<boolean> {
    const row = await this.write(() =>
      this.sql.take_maintenance_lease.get({ name: params.name, holder: params.holder, lease_ms: params.leaseMs, now: Date.now() }),
    );
    return row !== undefined;
  }

  async releaseMaintenanceLease(params: { name: string; holder: string }): Promise<void> {
    await this.write(() => this.sql.release_maintenance_lease.run({ name: params.name, holder: params.holder }));
  }

  /** Runs a guarded single-row update; tells apart "no such job" from "not in a state for it". */
  private async change(
    id: JobId,
    statement: "cancel_job" | "retry_job",
    extra: object,
    lease?: Lease,
    listedMaxAttempts?: number,
  ): Promise<ChangeResult> {
    const now = Date.now();
    return this.write(() => {
      const before = this.sql.get_job.get({ id }) as JobRow | undefined;
      if (before === undefined) return { outcome: "not_found" };
      // See Store.retryJob.
      if (listedMaxAttempts !== undefined && before.max_attempts !== listedMaxAttempts) return { outcome: "conflict", job: jobFromRow(before, now) };
      if (statement === "retry_job" && before.flow_id !== null) this.sql.reopen_parent_edges.run({ id });
      const after = this.sql[statement].get({ id, now, ...extra }) as JobRow | undefined;
      if (after === undefined) {
        if (lease !== undefined && canceledUnderLease(before, lease)) return { outcome: "changed", job: jobFromRow(before, now), previousState: "running" };
        return { outcome: "conflict", job: jobFromRow(before, now) };
      }
      this.effects.tally.left(before.queue, before.state);
      // A replayed job back in its queue wakes this process's idle workers, as a new one does.
      if (after.state === "pending") this.effects.released.add(after.queue);
      settleEndedJobs(this.sql, [after], now, this.effects);
      if (statement === "retry_job" && after.flow_id !== null) {
        // Its children wait for its next ending (see rewait_children.sql).
        this.sql.rewait_children.run({ id });
        this.sql.unresolve_child_edges.run({ id });
      }
      if (replayedBatchMember(before, after)) this.sql.uncount_batch_member.run({ batch_id: after.batch_id, state: before.state });
      return { outcome: "changed", job: jobFromRow(after, now), previousState: before.state };
    });
  }

  private insertNow(jobs: NewJob[]): InsertedJob[] {
    const now = Date.now();
    const inserted: InsertedJob[] = [];
    // Jobs without a key go in multi-row chunks; a keyed job goes alone (it may conflict).
    // Order is kept, so ids follow the input order.
    let chunk: NewJob[] = [];
    const flushChunk = () => {
      inserted.push(...this.insertUnkeyed(chunk, now));
      chunk = [];
    };
    for (const job of jobs) {
      if (job.idempotencyKey === null) {
        chunk.push(job);
        if (chunk.length === INSERT_CHUNK) flushChunk();
      } else {
        flushChunk();
        inserted.push(this.insertKeyed(job, now));
      }
    }
    flushChunk();
    return inserted;
  }

  private insertUnkeyed(jobs: NewJob[], now: number): InsertedJob[] {
    if (jobs.length === 0) return [];
    const rows = jobs.map((job) => insertableRow(job, now));
    if (jobs.length === INSERT_CHUNK) {
      const info = this.sql.insert_unkeyed_chunk.run(rows.flatMap((r) => r.unkeyedParams));
      const firstId = Number(info.lastInsertRowid) - rows.length + 1;
      return rows.map((r, i) => ({ job: jobFromRow(r.row(firstId + i), now), created: true }));
    }
    return rows.map((r) => {
      const info = this.sql.insert_unkeyed_jobs.run(r.unkeyedParams);
      return { job: jobFromRow(r.row(Number(info.lastInsertRowid)), now), created: true };
    });
  }

  private insertKeyed(job: NewJob, now: number): InsertedJob {
    const r = insertableRow(job, now);
    const info = this.sql.insert_job.run(r.keyedParams);
    if (info.changes === 1) return { job: jobFromRow(r.row(Number(info.lastInsertRowid)), now), created: true };
    const existing = this.sql.get_job_by_idempotency_key.get({ idempotency_key: job.idempotencyKey }) as JobRow;
    return { job: jobFromRow(existing, now), created: false };
  }

  private completeNow(completions: Completion[]): boolean[] {
    const now = Date.now();
    const complete = ({ lease, result }: Completion, settling: 0 | 1) =>
      this.sql.complete_job.run(result, now, lease.jobId, lease.attempt, lease.workerId, settling).changes === 1;
    const plain: number[] = [];
    const completed: JobRow[] = [];
    const completedUnderLease = ({ lease }: Completion) =>
      this.sql.completed_under_lease.get(lease.jobId, lease.attempt, lease.workerId) !== undefined;
    const accepted = completions.map((completion) => {
      if (complete(completion, 0)) {
        plain.push(Number(completion.lease.jobId));
        return true;
      }
      // In a flow or batch (or refused: its lease is gone, or it is already completed under it).
      if (!complete(completion, 1)) return completedUnderLease(completion);
      completed.push(this.sql.get_job.get({ id: completion.lease.jobId }) as JobRow);
      return true;
    });
    this.effects.tally.completed(plain);
    if (completed.length > 0) settleEndedJobs(this.sql, completed, now, this.effects);
    return accepted;
  }

  /**
   * Calls `listener` with the queue of flow children and batch callbacks this process's own
   * writes release, of jobs it replays and of queues it resumes, once committed, so its idle
   * workers wake without waiting for their next poll. Other processes' are found by polling.
   */
  async subscribeToNewJobs(listener: (queue: string | null) => void): Promise<() => Promise<void>> {
    this.releaseListeners.add(listener);
    return async () => void this.releaseListeners.delete(listener);
  }

  /**
   * Runs `fn` with commits that are not fsynced before they return (synchronous=NORMAL): in WAL
   * mode such a commit survives a crash of this process, and the next FULL commit's fsync makes
   * it durable too; only an OS crash or power loss in between can undo it. Used for claims only:
   * an undone claim leaves its job waiting again, and the worker that ran it meanwhile is fenced
   * out by its worker id, as after any lost lease. It takes one fsync off every job's path.
   */
  private withoutFlush<T>(fn: () => T): T {
    this.sql.synchronous_normal.run();
    try {
      return fn();
    } finally {
      this.sql.synchronous_full.run();
    }
  }

  /**
   * One write transaction, taking the write lock up front (BEGIN IMMEDIATE). While another
   * process holds the lock, it is tried again (see LOCK_TRY_MS) until the busy timeout is spent;
   * then it fails with StoreUnavailableError, nothing written. `fn` runs once per try, so it
   * must leave nothing behind outside the transaction but what `effects` gathers.
   * With `flush: false` its commit is not fsynced (see withoutFlush).
   */
  private async write<T>(fn: () => T, options: { flush?: boolean } = {}): Promise<T> {
    const attempt = options.flush === false ? () => this.withoutFlush(() => this.writeOnce(fn)) : () => this.writeOnce(fn);
    const first = this.lockTurns === null;
    if (first) {
      const tried = this.tryOnce(attempt);
      if (tried.got) return tried.result;
    }
    // Writes that meet the lock take turns at it, one try per pause between them all: each try
    // holds the event loop for up to LOCK_TRY_MS, so one each would hold it most of the time.
    const waiting = (this.lockTurns ?? Promise.resolve()).then(() => this.tryUntilFree(attempt, first));
    const turnTaken = waiting.then(
      () => undefined,
      () => undefined,
    );
    this.lockTurns = turnTaken;
    this.writing.add(waiting);
    return waiting.finally(() => {
      this.writing.delete(waiting);
      if (this.lockTurns === turnTaken) {
        this.lockTurns = null;
        this.turnsEndedAt = performance.now();
      }
    });
  }

  /**
   * Dates the lock from the first write that met it. One that meets it right after the writes
   * before it gave up (a group commit's next group, say) goes on from their time: otherwise each
   * would wait the busy timeout anew, and a request behind them twice as long.
   */
  private noteLocked(): void {
    const now = performance.now();
    if (this.lockedSince === null || (this.lockTurns === null && now - this.turnsEndedAt > MAX_LOCK_PAUSE_MS)) this.lockedSince = now;
  }

  /**
   * Tries `attempt` until it gets the lock, pausing between tries (before the first too, when the
   * write has just tried), or until the lock has been held against this process's writes for the
   * busy timeout (see noteLocked).
   */
  private async tryUntilFree<T>(attempt: () => T, pauseFirst: boolean): Promise<T> {
    for (let pause = 1, first = true; ; pause = Math.min(pause * 2, MAX_LOCK_PAUSE_MS), first = false) {
      if (pauseFirst || !first) await new Promise((resolve) => setTimeout(resolve, pause));
      const tried = this.tryOnce(attempt);
      if (tried.got) return tried.result;
      if (performance.now() + pause >= this.lockedSince! + this.busyTimeoutMs) throw busyAsUnavailable(tried.busy, this.db.name);
    }
  }

  /** One try at the lock: what `attempt` returned, or the SQLITE_BUSY it met (dated by noteLocked). */
  private tryOnce<T>(attempt: () => T): { got: true; result: T } | { got: false; busy: unknown } {
    try {
      const result = attempt();
      this.lockedSince = null;
      return { got: true, result };
    } catch (error) {
      if (!isBusy(error)) throw unwritableAsUnavailable(error, this.db.name);
      this.noteLocked();
      return { got: false, busy: error };
    }
  }

  /** One try of write(): its tally changes are written last, inside it; the queues it released are announced once it has committed. */
  private writeOnce<T>(fn: () => T): T {
    const { released, tally } = this.effects;
    try {
      const result = this.openDb()
        .transaction(() => {
          const result = fn();
          tally.flush(this.sql);
          return result;
        })
        .immediate();
      for (const queue of released) for (const listener of this.releaseListeners) listener(queue);
      return result;
    } finally {
      released.clear();
      tally.clear();
    }
  }
}

/**
 * The statement listing jobs in `state` through the index that holds them, where one does: with
 * every finished job kept, list_jobs would walk ids down past all of them to find a few.
 */
export function listStatementFor(
  state: JobState | undefined,
): "list_jobs" | "list_ended_jobs" | "list_waiting_jobs" | "list_running_jobs" | "list_blocked_jobs" {
  switch (state) {
    case "failed":
    case "canceled":
      return "list_ended_jobs";
    case "pending":
    case "scheduled":
    case "retrying":
      return "list_waiting_jobs";
    case "running":
      return "list_running_jobs";
    case "blocked":
      return "list_blocked_jobs";
    default:
      // Completed jobs are most of those kept, found at once walking ids down.
      return "list_jobs";
  }
}
