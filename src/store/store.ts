import type { TransactionClient } from "../core/enqueue-options.js";
import type { Batch } from "../core/batch.js";
import type { StoredFlow } from "../core/flow.js";
import type { AttemptError, ClaimedJob, Job, JobId, Lease, NewJob } from "../core/job.js";
import type { ClaimLimit } from "../core/limits.js";
import type { NewSchedule, Schedule } from "../core/schedule.js";
import type { JobState, TerminalState } from "../core/states.js";
import type { MigrationReport } from "./migration-files.js";

/**
 * The one interface that knows persistence. Methods are named by the state transition they
 * make, take one params object, and return typed rows; nothing above this file touches SQL.
 * Every backend passes the same conformance suite (test/conformance).
 */
export interface Store {
  readonly backend: "sqlite" | "postgres";

  /** Applies pending migrations (under a lock); refuses a schema newer than this code knows. */
  migrate(): Promise<MigrationReport>;
  close(): Promise<void>;
  /** The store's clock. Lease expiry and run times are judged by it, never by a worker's clock. */
  now(): Promise<Date>;
  /**
   * Resolves if a write could be made now, writing nothing: rejects with StoreUnavailableError
   * while the store cannot be reached (PostgreSQL) or another process holds its write lock past
   * the busy timeout (SQLite).
   */
  checkWritable(): Promise<void>;

  /**
   * Inserts all `jobs` atomically (all or none). A job whose idempotency key already exists is
   * not inserted; its existing row is returned with `created: false`.
   * With `tx` (PostgreSQL only), the jobs are written through the caller's open transaction and
   * exist only if the caller commits it; the store neither commits nor rolls it back.
   */
  insertJobs(params: { jobs: NewJob[]; tx?: TransactionClient }): Promise<InsertedJob[]>;
  /**
   * Inserts one job already claimed by `workerId`: `running`, attempt 1, a lease of `leaseMs`,
   * as if claimJobs had taken it the moment it was committed. This is how a process whose
   * worker sits idle starts a job it enqueues itself one round trip sooner (see
   * Worker.reserveSlotFor). Only for a job claimJobs would take at once (isClaimableOnInsert).
   * Committed as durably as insertJobs, and wakes no other worker. Null, with nothing written,
   * when its queue is paused or its idempotency key exists: the caller then inserts it with
   * insertJobs, which keeps it waiting or returns the existing job.
   */
  insertClaimedJob(params: { job: NewJob; workerId: string; leaseMs: number }): Promise<ClaimedJob | null>;
  getJob(params: { id: JobId }): Promise<Job | null>;
  /**
   * The jobs with these ids, each once, in no promised order; an id with no job is left out. One read for many
   * jobs (the server follows every watched job with it), whatever the number of ids.
   */
  getJobs(params: { ids: JobId[] }): Promise<Job[]>;
  /** Newest first; `cursor` is the `nextCursor` of the previous page. */
  listJobs(params: ListJobsParams): Promise<JobPage>;
  countJobs(params: { queues?: string[] }): Promise<QueueCounts[]>;

  /**
   * Takes up to `limit` runnable jobs from `queues` (priority, then run time, then age), moves
   * them to `running` with attempt + 1 and a lease of `leaseMs` held by `workerId`.
   * A grouped job is taken only in its turn: among its group's first (limit − running) jobs not
   * started, by id, the limit being that of the oldest of them. With `limits`, jobs they count
   * are taken only within them, judged against state every process shares, in the same transaction.
   */
  claimJobs(params: ClaimParams): Promise<ClaimedJob[]>;
  /** Extends every lease still held; returns the ids of those that were (the rest are lost). */
  extendLeases(params: { leases: Lease[]; leaseMs: number }): Promise<JobId[]>;
  /** Stores results of finished handlers; element i says whether completion i was accepted. */
  completeJobs(params: { completions: Completion[] }): Promise<boolean[]>;
  /**
   * Records a failed attempt. With `retryDelayMs` the job waits (state `retrying`) and runs
   * again; with null it ends `failed` (the dead-letter set). Null result: lease no longer held.
   */
  failJob(params: { lease: Lease; error: AttemptErrorInput; retryDelayMs: number | null }): Promise<Job | null>;
  /**
   * Puts a running job back to wait `delayMs` without using up its attempt. A StoreUnavailableError
   * says `outcome: "not_written"` when the snooze certainly was not written.
   */
  snoozeJob(params: { lease: Lease; delayMs: number }): Promise<boolean>;
  /** Returns running jobs to the queue at once, each in its place (its run time kept), attempts not used up and progress cleared (graceful shutdown). */
  releaseJobs(params: { leases: Lease[] }): Promise<number>;
  updateProgress(params: { lease: Lease; progress: number }): Promise<boolean>;
  /**
   * Ends jobs whose lease expired (their worker died or hung): each counts as a failed attempt
   * and is retried at once, or ends `failed` if it had no attempts left.
   */
  rescueExpiredLeases(params: { limit: number }): Promise<Job[]>;

  /**
   * Cancels a job that has not ended. With `lease`, only while that lease is held (a handler
   * canceling its own job); the job then keeps the lease's worker id, and the same cancel sent
   * again (its reply lost) is answered `changed` with the job as that cancel left it. `error`
   * (the handler's CancelJob) is kept as the attempt's entry in `errors`, as a failure's is.
   */
  cancelJob(params: { id: JobId; lease?: Lease; error?: AttemptErrorInput }): Promise<ChangeResult>;
  /**
   * Replays a `failed` or `canceled` job: back to `pending` with fresh attempts, history kept;
   * back to `blocked` if it is a flow child with parents that have not ended, or the onComplete
   * job of a batch that has not ended (one whose batch ended gets the summary, as on release).
   * With `listedMaxAttempts`, only a job whose maxAttempts is still that (what a listing read):
   * every replay raises it, so a job replayed by someone else since is a conflict, not replayed
   * again (a bulk replay racing another must not run a job twice).
   */
  retryJob(params: { id: JobId; listedMaxAttempts?: number }): Promise<ChangeResult>;

  /* Flows and batches. Every terminal transition above (completeJobs, completeJobInTransaction,
   * failJob without retry, rescueExpiredLeases ending a job failed, cancelJob) also, in its own
   * transaction: releases the job's blocked children whose parents have all ended (pending, or
   * scheduled if their run time is ahead), cancels those of a failed or canceled parent that
   * were set to `cancel` (recursively), and counts the job in its batch, releasing the batch's
   * onComplete job when the last member ends. */

  /**
   * Inserts a flow atomically: its row, its nodes as jobs (in the order given, parents first;
   * a node with parents is stored blocked) and the edges between them. The store sets flowId.
   */
  insertFlow(params: { nodes: NewFlowNode[] }): Promise<StoredFlow>;
  getFlow(params: { id: string }): Promise<StoredFlow | null>;
  /** Cancels every node of the flow that has not ended; returns the flow after and the ids it canceled. Null: no such flow. */
  cancelFlow(params: { id: string }): Promise<{ flow: StoredFlow; canceledIds: JobId[] } | null>;
  /** The parents of a flow node, as they stand. */
  getParentJobs(params: { jobId: JobId }): Promise<Job[]>;
  /**
   * Inserts a batch atomically: its row, its members (the store sets batchId) and its
   * onComplete job, stored blocked until the last member ends. On release the batch's
   * summary is merged into the onComplete job's payload (a JSON object).
   */
  insertBatch(params: { jobs: NewJob[]; onComplete: NewJob }): Promise<InsertedBatch>;
  getBatch(params: { id: string }): Promise<Batch | null>;

  /* Queue control and webhook bookkeeping, which `errand serve` builds on. */

  /** A paused queue is skipped by every claim (in every process) until resumed. Idempotent. */
  pauseQueue(params: { queue: string }): Promise<void>;
  /** Idempotent. */
  resumeQueue(params: { queue: string }): Promise<void>;
  /** Names of paused queues, sorted. */
  listPausedQueues(): Promise<string[]>;
  /**
   * Ended jobs (completed, failed, canceled) with a `webhookUrl` whose delivery has not been
   * enqueued since they last ended, oldest first.
   */
  listJobsAwaitingWebhook(params: { limit: number }): Promise<Job[]>;
  /**
   * Records that the webhook deliveries of these jobs' endings, as listed (by `finishedAt`), are
   * enqueued. A replay re-arms a job: one replayed since it was listed, whether it has ended
   * again or not, still owes the webhook of its new ending.
   */
  markWebhooksEnqueued(params: { jobs: Pick<Job, "id" | "finishedAt">[] }): Promise<void>;

  /* Cron schedules, which every worker process's scheduler fires. */

  /**
   * Creates or redefines the schedule named `schedule.name`. Redefining it with the same cron
   * and time zone keeps the tick it waits for (`schedule.nextTickAt` is used only otherwise);
   * its paused state is kept.
   */
  saveSchedule(params: { schedule: NewSchedule }): Promise<Schedule>;
  getSchedule(params: { name: string }): Promise<Schedule | null>;
  /** Every schedule, by name. */
  listSchedules(): Promise<Schedule[]>;
  /** Null: no such schedule. Idempotent. */
  pauseSchedule(params: { name: string }): Promise<Schedule | null>;
  /** A paused schedule waits for `nextTickAt` (the ticks it missed while paused are dropped); an active one is unchanged. Null: no such schedule. */
  resumeSchedule(params: { name: string; nextTickAt: Date }): Promise<Schedule | null>;
  /** False: there was no such schedule. */
  removeSchedule(params: { name: string }): Promise<boolean>;
  /** Active schedules whose next tick has come by the store's clock, the longest-due first. */
  listDueSchedules(params: { limit: number }): Promise<Schedule[]>;
  /**
   * Fires a due schedule, atomically, in one transaction: locks it and, only if it still waits
   * for `dueAt` and is active, asks `plan` what this firing does with the schedule as it is now
   * (a redefinition committed since the schedule was listed is the one fired: its payload, type
   * and options), moves it from `dueAt` to the plan's `nextTickAt` (and its last tick to
   * `lastTickAt` unless null) and inserts the plan's `jobs` (as insertJobs). Null, with nothing
   * written, when it no longer waits for `dueAt` (another process fired it first, or it was
   * given a new cron, paused or removed meanwhile).
   */
  fireSchedule(params: { name: string; dueAt: Date; plan: (schedule: Schedule) => ScheduleFiring }): Promise<InsertedJob[] | null>;
  /* Maintenance (scheduler/retention-sweeper.ts). */

  /**
   * Deletes up to `limit` ended jobs in `state`, oldest first, that are past retention: finished
   * more than `olderThanMs` ago by the store's clock, or not among the newest `keepNewest` of
   * that state (null turns a rule off). Jobs still owing their webhook are kept, and flow
   * parents of a child that has not completed (it may run, or be replayed, and read them).
   * One short transaction per call; returns how many were deleted. Their idempotency keys are
   * free again.
   */
  deleteEndedJobs(params: { state: TerminalState; olderThanMs: number | null; keepNewest: number | null; limit: number }): Promise<number>;
  /**
   * Takes the maintenance lease `name` for `holder` for `leaseMs`, or renews it if `holder` has
   * it. False while another holder's lease is unexpired: one process at a time does the work,
   * and a holder that crashed is replaced once its lease runs out.
   */
  takeMaintenanceLease(params: { name: string; holder: string; leaseMs: number }): Promise<boolean>;
  /** Gives the lease up early if `holder` still has it. */
  releaseMaintenanceLease(params: { name: string; holder: string }): Promise<void>;

  /**
   * Optional (PostgreSQL): opens a transaction, runs `work` in it (the handler's own writes;
   * it returns the job's result as JSON text or null), then completes the job in the same
   * transaction, fenced by `lease`. Commits and returns true only if the lease was still held;
   * otherwise rolls everything back and returns false. If `work` throws, rolls back and rethrows.
   * Once `signal` aborts (the attempt timed out, was canceled, or its worker is shutting down),
   * rolls back (stopping a statement of `work`'s under way) and rejects with its reason, unless
   * the commit was already under way and went through.
   */
  completeJobInTransaction?(params: {
    lease: Lease;
    work: (tx: TransactionClient) => Promise<string | null>;
    signal?: AbortSignal;
  }): Promise<boolean>;

  /**
   * Optional: calls `listener` soon after jobs become runnable in `queue`, so idle workers wake
   * without waiting for their next poll. PostgreSQL: whichever process enqueued or released
   * them. SQLite: only flow children and batch callbacks released by this process's own writes
   * (jobs it enqueues wake its workers through events; other processes' are found by polling). `null`
   * means notices may have been missed (the listening connection was re-established): look at
   * every queue. Resolves once listening; the function it returns stops this listener.
   */
  subscribeToNewJobs?(listener: (queue: string | null) => void): Promise<() => Promise<void>>;
  /**
   * Where the store can announce them (PostgreSQL): calls `listener` with the ids of running
   * jobs canceled in any process, as each cancel commits, so that the worker holding one stops
   * it at once. `null` means notices may have been missed: check every lease held. Resolves
   * once listening; the function it returns stops this listener.
   */
  subscribeToCanceledJobs?(listener: (jobIds: JobId[] | null) => void): Promise<() => Promise<void>>;
  /**
   * Where the store sends no cancel notices (SQLite): the ids of the leases given that are no
   * longer held (canceled, rescued or replayed since), reading only, so that a worker may ask
   * every poll interval and stop such jobs long before its next heartbeat would find them.
   */
  lostLeases?(params: { leases: Lease[] }): Promise<JobId[]>;
}

export interface ClaimParams {
  queues: string[];
  limit: number;
  workerId: string;
  leaseMs: number;
  /** Rate limits and concurrency caps to enforce; every process working these jobs must pass the same. */
  limits?: readonly ClaimLimit[];
  /** Most of the jobs taken that a limit counts or that belong to a group. Default: `limit`. */
  restrictedLimit?: number;
}

/** A flow node to insert: the job (its flowNode, parentsWaiting, onParentFailure set) and its parents' names. */
export interface NewFlowNode {
  job: NewJob;
  parents: string[];
}

export interface InsertedBatch {
  batch: Batch;
  jobs: Job[];
  onComplete: Job;
}

/** What one firing of a schedule does (Store.fireSchedule). */
export interface ScheduleFiring {
  nextTickAt: Date;
  /** Null: no job this time (the last tick is kept). */
  lastTickAt: Date | null;
  jobs: NewJob[];
}

export interface InsertedJob {
  job: Job;
  created: boolean;
}

export interface Completion {
  lease: Lease;
  /** The handler's return value as JSON text, or null for none. */
  result: string | null;
}

export type AttemptErrorInput = Omit<AttemptError, "at" | "attempt">;

export interface ListJobsParams {
  state?: JobState;
  type?: string;
  queue?: string;
  limit: number;
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  /** Pass back as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

export interface QueueCounts {
  queue: string;
  counts: Record<JobState, number>;
}

/** Outcome of a change a caller asked for by id. `conflict` carries the job as it stands. */
export type ChangeResult =
  | { outcome: "changed"; job: Job; previousState: JobState }
  | { outcome: "not_found" }
  | { outcome: "conflict"; job: Job };

/**
 * Where a store error no caller waits for came from. Each is recovered from without help:
 * - "idle connection": a pooled connection dropped while idle (the pool opens a new one);
 * - "transaction connection": one dropped mid-transaction (that transaction's caller also fails);
 * - "listener": the connection that hears of new jobs dropped or could not be re-opened
 *   (it retries with backoff; workers poll meanwhile);
 * - "grouped claim": a claim's second, grouped part failed after its plain part committed
 *   (the jobs claimed are kept; the next claim looks for grouped jobs again);
 * - "tally folding": PostgreSQL's periodic folding of ended-job tallies failed (counts stay
 *   exact; it is tried again a minute later);
 * - "statement cancel": stopping the statement of a transactional completion whose attempt was
 *   aborted failed (the statement runs to its end, and the transaction is rolled back after it).
 */
export type BackgroundErrorSource = "idle connection" | "transaction connection" | "listener" | "grouped claim" | "tally folding" | "statement cancel";

export type BackgroundErrorHandler = (error: unknown, source: BackgroundErrorSource) => void;
