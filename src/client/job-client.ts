import { resolveNewJob, validateName, type JobDefaults, type TransactionClient } from "../core/enqueue-options.js";
import { JobNotFoundError, JobStateConflictError, ValidationError } from "../core/errors.js";
import { copyOfJob, type ClaimedJob, type Job, type JobId, type NewJob } from "../core/job.js";
import { knownOptions, optionsObject, rejectUnknownKeys } from "../core/option-keys.js";
import type { PayloadLimits } from "../core/payload.js";
import { isJobState, type JobState } from "../core/states.js";
import type { ChangeResult, JobPage, ListJobsParams, Store } from "../store/store.js";
import type { JobEventBus } from "./event-bus.js";
import { namedType, type EnqueueRequest } from "./job-definition.js";
import type { SlotReservation } from "./slot-reservation.js";

export interface ListJobsOptions {
  state?: JobState;
  type?: string;
  queue?: string;
  /** 1–1000; default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page: go on below it. Absent or null: from the newest job. */
  cursor?: string | null;
}

/** Options of enqueueMany as a whole. */
export interface EnqueueManyOptions {
  /** PostgreSQL only: insert every job in the caller's open transaction, as `tx` does for one enqueue. */
  tx?: TransactionClient;
}

const ENQUEUE_MANY_KEYS: ReadonlySet<string> = new Set(["tx"]);

/**
 * The one transaction an enqueueMany writes in: its own `tx`, or else the one its first request
 * names; undefined for none (the store's own). A request naming another, or (without the call's
 * `tx`) leaving out the first one's, is refused: all or none takes one transaction.
 */
function sharedTransaction(tx: TransactionClient | undefined, requests: EnqueueRequest[]): TransactionClient | undefined {
  const shared = tx ?? requests[0]?.options?.tx;
  requests.forEach((request, i) => {
    const own = request.options?.tx;
    if (own === shared || (own === undefined && tx !== undefined)) return;
    throw new ValidationError(
      `[${i}].tx`,
      tx !== undefined
        ? "must be enqueueMany's own tx, or left out: one enqueueMany is one transaction"
        : "must be the transaction request [0] names: one enqueueMany is one transaction (or pass { tx } to enqueueMany itself)",
    );
  });
  return shared;
}

/** What an EnqueueRequest holds. */
const REQUEST_KEYS: ReadonlySet<string> = new Set(["type", "payload", "options"]);

/** Every option of listJobs, retryJobs and cancelJobs. */
const LIST_OPTION_KEYS: ReadonlySet<string> = new Set(["state", "type", "queue", "limit", "cursor"]);

/** Changes retryJobs and cancelJobs make at once: fewer than the PostgreSQL pool's connections, so enqueues and workers still get some. */
const CHANGES_AT_ONCE = 4;

/** Which jobs a bulk change (retryJobs, cancelJobs) takes, and how many at a time. */
interface BulkChangeOptions {
  type?: string;
  queue?: string;
  /** 1–1000; default 50. */
  limit?: number;
  /** The `nextCursor` of the previous call: go on below the jobs it visited. Absent or null: from the newest. */
  cursor?: string | null;
}

/** Which ended jobs `retryJobs` replays, and how many at a time. */
export interface RetryJobsOptions extends BulkChangeOptions {
  /** `failed` (the dead-letter set; the default) or `canceled`. */
  state?: "failed" | "canceled";
}

/** The states a job can be canceled in: those of jobs that have not ended. */
export type CancelableState = "pending" | "scheduled" | "retrying" | "blocked" | "running";
export const CANCELABLE_STATES: readonly CancelableState[] = ["pending", "scheduled", "retrying", "blocked", "running"];

/** Which jobs `cancelJobs` cancels, and how many at a time. */
export interface CancelJobsOptions extends BulkChangeOptions {
  /** Required: which of the jobs not ended to cancel (`running` ones have their handlers' signals fire). */
  state: CancelableState;
}

/** A job as enqueued, and whether this call created it (false: its idempotency key already existed). */
export interface EnqueueOutcome {
  job: Job;
  created: boolean;
}

/** The producer side: enqueue, inspect, cancel and replay jobs. */
export class JobClient {
  constructor(
    private readonly store: Store,
    private readonly events: JobEventBus,
    private readonly defaultsFor: (type: string) => JobDefaults,
    private readonly payloadLimits: PayloadLimits,
    /** A slot of an idle worker in this process that would start `job` at once, if any. */
    private readonly reserveSlot: (job: NewJob) => SlotReservation | null = () => null,
    /** The queue whose claims count a type's rate limit or concurrency cap, if it has one here. */
    private readonly limitedQueueOf: (type: string) => string | null = () => null,
  ) {}

  async enqueue(request: EnqueueRequest): Promise<Job> {
    const job = this.resolve(request, "");
    const tx = request.options?.tx;
    const [outcome] = tx === undefined ? await this.insertWithOutcome([job]) : await this.insertInTransaction([job], tx);
    return outcome!.job;
  }

  /** Enqueues every request in one transaction (the caller's, with `tx`): all are committed, or none. */
  async enqueueMany(requests: EnqueueRequest[], options?: EnqueueManyOptions): Promise<Job[]> {
    return (await this.enqueueManyWithOutcome(requests, options)).map((i) => i.job);
  }

  /** `enqueueMany`, saying for each job whether it was created or already existed (idempotency key). */
  async enqueueManyWithOutcome(requests: EnqueueRequest[], options?: EnqueueManyOptions): Promise<EnqueueOutcome[]> {
    if (!Array.isArray(requests)) throw new ValidationError("requests", "must be an array");
    const { tx } = knownOptions(options, ENQUEUE_MANY_KEYS);
    const jobs = requests.map((r, i) => this.resolve(r, `[${i}].`));
    const inTx = sharedTransaction(tx, requests);
    if (jobs.length === 0) return [];
    return inTx === undefined ? this.insertWithOutcome(jobs) : this.insertInTransaction(jobs, inTx);
  }

  async getJob(id: JobId): Promise<Job | null> {
    return this.store.getJob({ id: validateId(id) });
  }

  async listJobs(options: ListJobsOptions = {}): Promise<JobPage> {
    return this.store.listJobs(resolveListOptions(options));
  }

  /** Cancels a job that has not ended; a running handler's AbortSignal fires. */
  async cancelJob(id: JobId): Promise<Job> {
    const job = expectChanged(await this.store.cancelJob({ id: validateId(id) }), id, "cancel");
    this.events.emit("canceled", { job });
    return job;
  }

  /** Replays a `failed` or `canceled` job with fresh attempts; its error history is kept. */
  async retryJob(id: JobId): Promise<Job> {
    return expectChanged(await this.store.retryJob({ id: validateId(id) }), id, "retry");
  }

  /**
   * Replays a page of ended jobs, newest first, as retryJob does each: the jobs in `state` as
   * listJobs pages them. Returns the jobs replayed, and the cursor for the next page (null when
   * this was the last). Paging by cursor visits each job once, so a replayed job that fails
   * again meanwhile is not replayed a second time by the calls that follow. A job another caller
   * replayed or deleted since it was listed is left out, not an error.
   */
  async retryJobs(options: RetryJobsOptions = {}): Promise<JobPage> {
    return this.changeListed(resolveRetryOptions(options), (job) => this.store.retryJob({ id: job.id, listedMaxAttempts: job.maxAttempts }));
  }

  /**
   * Cancels a page of the jobs in `state` (one that has not ended), newest first, as cancelJob
   * does each, paged and returned as retryJobs is. A job that ended (or was deleted) since it
   * was listed is left out; one that only moved on (claimed since, say) is canceled all the same.
   */
  async cancelJobs(options: CancelJobsOptions): Promise<JobPage> {
    return this.changeListed(resolveCancelOptions(options), async ({ id }) => {
      const result = await this.store.cancelJob({ id });
      if (result.outcome === "changed") this.events.emit("canceled", { job: result.job });
      return result;
    });
  }

  /**
   * Lists a page as `params` say and applies `change` to each listed job; returns the jobs it
   * changed and the page's cursor. Each change is its own transaction (with its flow and batch
   * bookkeeping); several go at once, on as many pooled connections (1,000 replays on
   * PostgreSQL: 2.9 s one by one, 1.5 s four at once). After an error none more is started.
   */
  private async changeListed(params: ListJobsParams, change: (job: Job) => Promise<ChangeResult>): Promise<JobPage> {
    const page = await this.store.listJobs(params);
    const results: ChangeResult[] = new Array(page.jobs.length);
    let next = 0;
    let failed = false;
    const changeNext = async () => {
      while (!failed && next < page.jobs.length) {
        const i = next++;
        try {
          results[i] = await change(page.jobs[i]!);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHANGES_AT_ONCE, page.jobs.length) }, changeNext));
    // A job another caller changed meanwhile so that this change no longer applies (replayed
    // already, ended) is a conflict, and one deleted is not found: both are left out.
    const jobs = results.flatMap((result) => (result.outcome === "changed" ? [result.job] : []));
    return { jobs, nextCursor: page.nextCursor };
  }

  /** Validates one request into the row a store inserts; a ValidationError's field is put under `prefix`. */
  resolve(request: EnqueueRequest, prefix: string): NewJob {
    if (typeof request !== "object" || request === null || Array.isArray(request))
      throw new ValidationError(prefix.replace(/\.$/, "") || "request", "must be an enqueue request, e.g. definition.request(payload)");
    rejectUnknownKeys(request, REQUEST_KEYS, prefix);
    try {
      const { name, definition } = namedType(request.type, "type");
      const defaults = definition ? definition.defaults : this.defaultsFor(name);
      const job = resolveNewJob(name, request.payload, request.options ?? {}, defaults, this.payloadLimits);
      refuseOutsideLimitedQueue(job.type, job.queue, this.limitedQueueOf(job.type));
      return job;
    } catch (error) {
      throw error instanceof ValidationError && prefix ? error.under(prefix) : error;
    }
  }

  /** Inserts `jobs` in the caller's open transaction. No `enqueued` events: it may yet roll back. */
  private insertInTransaction(jobs: NewJob[], tx: TransactionClient): Promise<EnqueueOutcome[]> {
    if (this.store.backend !== "postgres") throw new ValidationError("tx", "enqueueing in a caller's transaction needs the PostgreSQL store");
    if (typeof (tx as { query?: unknown }).query !== "function") throw new ValidationError("tx", "must be a pg Client or PoolClient");
    // A Pool answers query() too, each call on whichever connection is free: outside the
    // caller's transaction, so the job would outlive its rollback.
    if ("totalCount" in tx && "idleCount" in tx)
      throw new ValidationError("tx", "must be the pg client your transaction runs on (from pool.connect()), not a Pool: a Pool's query runs outside your transaction");
    return this.store.insertJobs({ jobs, tx });
  }

  /**
   * Inserts `job` already claimed by an idle worker of this process that holds a slot for it,
   * so that it starts without waiting for a claim's round trip. Null: no worker here would
   * start it at once, or the store did not insert it so (paused queue, existing key).
   */
  private async insertClaimed(job: NewJob): Promise<Job | null> {
    const slot = this.reserveSlot(job);
    if (slot === null) return null;
    let inserted: ClaimedJob | null;
    try {
      inserted = await this.store.insertClaimedJob({ job, workerId: slot.workerId, leaseMs: slot.leaseMs });
    } catch (error) {
      slot.release();
      throw error;
    }
    if (inserted === null) {
      slot.release();
      return null;
    }
    const { attemptsBeforeReplay: _, ...enqueued } = inserted;
    this.events.emit("enqueued", { job: enqueued });
    // The handler gets its own copy: what it does to its job is not what the caller was returned.
    slot.take(copyOfJob(inserted, JSON.parse(job.payload)));
    return enqueued;
  }

  private async insertWithOutcome(jobs: NewJob[]): Promise<EnqueueOutcome[]> {
    // Not in a caller's transaction (insert): there the job might yet roll back after it started.
    const started = jobs.length === 1 ? await this.insertClaimed(jobs[0]!) : null;
    if (started !== null) return [{ job: started, created: true }];
    const inserted = await this.store.insertJobs({ jobs });
    for (const { job, created } of inserted) if (created) this.events.emit("enqueued", { job });
    return inserted;
  }

  /** Emits `enqueued` for jobs a flow or batch inserted. */
  announce(jobs: Job[]): void {
    for (const job of jobs) this.events.emit("enqueued", { job });
  }

  /** Emits `canceled` for jobs a flow cancel ended. */
  announceCanceled(jobs: Job[]): void {
    for (const job of jobs) this.events.emit("canceled", { job });
  }
}

/**
 * listJobs' options checked, with their defaults, as the store takes them; throws a
 * ValidationError naming the first bad one. Exported so the CLI can check its flags before it
 * opens a database.
 */
export function resolveListOptions(given: ListJobsOptions): ListJobsParams {
  const options = knownOptions(given, LIST_OPTION_KEYS);
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError("limit", "must be an integer from 1 to 1000");
  if (options.state !== undefined && !isJobState(options.state))
    throw new ValidationError("state", `unknown state "${String(options.state)}"`);
  // A filter no job could match (a type or queue name outside the rule) is a mistake, not "no jobs".
  return {
    limit,
    state: options.state,
    type: options.type === undefined ? undefined : validateName(options.type, "type"),
    queue: options.queue === undefined ? undefined : validateName(options.queue, "queue"),
    // null too, as the last page's nextCursor is, so a loop may pass back whatever it got.
    cursor: options.cursor === undefined || options.cursor === null ? undefined : validateId(options.cursor, "cursor"),
  };
}

/** retryJobs' options checked, as the listing of the jobs to replay; throws a ValidationError naming the first bad one. */
export function resolveRetryOptions(given: RetryJobsOptions): ListJobsParams {
  const options = optionsObject(given, "options");
  const state = options.state ?? "failed";
  if (state !== "failed" && state !== "canceled") throw new ValidationError("state", 'must be "failed" or "canceled"');
  return resolveListOptions({ ...options, state });
}

/** cancelJobs' options checked, as the listing of the jobs to cancel; throws a ValidationError naming the first bad one. */
export function resolveCancelOptions(given: CancelJobsOptions): ListJobsParams {
  const options = optionsObject(given, "options");
  const state = options.state;
  if (state === undefined) throw new ValidationError("state", `is required: one of ${CANCELABLE_STATES.join(", ")} (the states of jobs not ended)`);
  if (!CANCELABLE_STATES.includes(state)) throw new ValidationError("state", `must be one of ${CANCELABLE_STATES.join(", ")} (the states of jobs not ended)`);
  return resolveListOptions({ ...options, state });
}

/**
 * Ids are 64-bit on every store: a 19-digit string above the largest (9223372036854775807)
 * is refused here, as a malformed id, rather than reaching PostgreSQL, whose bigint would
 * fail the query ("out of range"), while SQLite would answer "not found".
 */
export function validateId(id: unknown, field = "id", what = "job"): string {
  if (typeof id !== "string" || !/^[1-9][0-9]{0,18}$/.test(id) || (id.length === 19 && id > MAX_ID))
    throw new ValidationError(field, `must be a ${what} id (a decimal string from 1 to ${MAX_ID})`);
  return id;
}

const MAX_ID = "9223372036854775807";

function expectChanged(result: ChangeResult, id: string, action: string): Job {
  if (result.outcome === "not_found") throw new JobNotFoundError(id);
  if (result.outcome === "conflict") throw new JobStateConflictError(id, result.job.state, action);
  return result.job;
}

/**
 * A type's rate limit and concurrency cap count its jobs in the queue it was defined with (a
 * claim judges them by queue): one enqueued elsewhere would run outside them, unlimited.
 */
export function refuseOutsideLimitedQueue(type: string, queue: string, limitedQueue: string | null): void {
  if (limitedQueue !== null && queue !== limitedQueue)
    throw new ValidationError(
      "queue",
      `job type "${type}" has a rate limit or concurrency cap, counted in its queue "${limitedQueue}": its jobs go there, not to "${queue}", or they would run unlimited`,
    );
}
