import type { BackoffPolicy } from "./backoff.js";
import type { JobState } from "./states.js";

/** Job ids are decimal strings of a store-assigned, ever-increasing integer. */
export type JobId = string;

/** One failed attempt, kept on the job for as long as the job is kept. */
export interface AttemptError {
  attempt: number;
  message: string;
  code: string | null;
  stack: string | null;
  at: Date;
}

export interface Job<Payload = unknown, Result = unknown> extends JobPlacement {
  id: JobId;
  type: string;
  queue: string;
  state: JobState;
  payload: Payload;
  priority: number;
  /** Attempts started so far (the running one included). */
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  backoff: BackoffPolicy;
  progress: number | null;
  result: Result | null;
  errors: AttemptError[];
  idempotencyKey: string | null;
  createdAt: Date;
  runAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /**
   * While running: the worker that holds the lease. Once its worker completed, failed or
   * canceled it (a handler's CancelJob): that worker. Null after a rescue, a cancel from
   * outside, a snooze or a release, and again once a replay puts the job back to wait.
   */
  workerId: string | null;
  /** While running: when the lease runs out unless its worker's heartbeat extends it. */
  leaseExpiresAt: Date | null;
  /**
   * Ties the job to what caused it (e.g. the HTTP request that enqueued it); log lines about
   * the job carry it.
   */
  correlationId: string | null;
  /** Where `errand serve` POSTs the job once it ends. */
  webhookUrl: string | null;
}

/** A flow node whose parent failed or was canceled is canceled too, or runs anyway. */
export type ParentFailurePolicy = "cancel" | "continue";

/** Where a job stands among others: its group, its flow, its batch (null: none). */
export interface JobPlacement {
  /** Jobs sharing a group key run in enqueue order, at most `groupLimit` at once. */
  groupKey: string | null;
  /** Set exactly when groupKey is. */
  groupLimit: number | null;
  /** The flow this job is a node of, and the node's name in it. */
  flowId: string | null;
  flowNode: string | null;
  /** For a flow node: what happens to it when a parent fails or is canceled. */
  onParentFailure: ParentFailurePolicy | null;
  /** The batch this job is a member of. */
  batchId: string | null;
}

/** A job as a claim hands it to a worker. */
export interface ClaimedJob<Payload = unknown, Result = unknown> extends Job<Payload, Result> {
  /**
   * Attempts the job had made before its last replay (0 if it was never replayed). Its backoff
   * counts from there: a replayed job's first retry waits as a first retry does, not as its
   * total attempt number would say.
   */
  attemptsBeforeReplay: number;
}

/** A fully-resolved job to insert; the client fills defaults and validates before the store sees it. */
export interface NewJob extends JobPlacement {
  type: string;
  queue: string;
  /** The payload as JSON text, already validated. */
  payload: string;
  priority: number;
  /** Absolute run time, or null to run `delayMs` after the store's clock says now. */
  runAt: Date | null;
  delayMs: number;
  maxAttempts: number;
  timeoutMs: number | null;
  backoff: BackoffPolicy;
  idempotencyKey: string | null;
  correlationId: string | null;
  webhookUrl: string | null;
  /** Parents that must end first; above 0 the job is inserted `blocked`. */
  parentsWaiting: number;
}

/** A new job that belongs to no group, flow or batch. */
export const STANDALONE_JOB: JobPlacement & Pick<NewJob, "parentsWaiting"> = Object.freeze({
  groupKey: null,
  groupLimit: null,
  flowId: null,
  flowNode: null,
  parentsWaiting: 0,
  onParentFailure: null,
  batchId: null,
});

/**
 * Whether a new job is one a claim would take the moment it is inserted: due now, and in no
 * group, flow or batch (whose turns and releases a claim decides). Only such a job may be
 * inserted already claimed (Store.insertClaimedJob).
 */
export function isClaimableOnInsert(job: NewJob): boolean {
  return (
    job.runAt === null &&
    job.delayMs === 0 &&
    job.parentsWaiting === 0 &&
    job.groupKey === null &&
    job.flowId === null &&
    job.batchId === null
  );
}

/**
 * Proof that a worker holds a job: the attempt it claimed and its own id. Every write a
 * worker makes about a running job carries it, and the store refuses writes whose lease is
 * gone, so a worker that lost its lease can never overwrite the job's outcome.
 */
export interface Lease {
  jobId: JobId;
  attempt: number;
  workerId: string;
}

export function leaseOf(job: Pick<Job, "id" | "attempt" | "workerId">): Lease {
  if (job.workerId === null) throw new Error(`job ${job.id} is not leased`);
  return { jobId: job.id, attempt: job.attempt, workerId: job.workerId };
}

/**
 * One claim of a job, as a key: its id and attempt (every claim takes the next attempt). A worker
 * may hold two claims of one job at once, a timed-out or canceled run still winding down beside
 * the run of its retry or replay, but never one claim twice.
 */
export function claimKey(claim: { id: JobId; attempt: number }): string {
  return `${claim.id}:${claim.attempt}`;
}

/** The claim a lease is of (see claimKey). */
export function claimOf(lease: Lease): { id: JobId; attempt: number } {
  return { id: lease.jobId, attempt: lease.attempt };
}

const copyOfDate = (date: Date | null) => (date === null ? null : new Date(date.getTime()));

/**
 * `job` again, sharing nothing a holder could change with it; `payload` is a copy of its payload
 * the caller already has (parsed again from its JSON text). structuredClone does the same at
 * about 10 µs, 60 with a cold cache, which is too much on the path from enqueue() to a handler
 * starting where the job was inserted.
 */
export function copyOfJob<J extends Job>(job: J, payload: unknown): J {
  return {
    ...job,
    payload,
    backoff: { ...job.backoff },
    result: job.result === null ? null : structuredClone(job.result),
    errors: job.errors.map((e) => ({ ...e, at: new Date(e.at.getTime()) })),
    createdAt: new Date(job.createdAt.getTime()),
    runAt: new Date(job.runAt.getTime()),
    startedAt: copyOfDate(job.startedAt),
    finishedAt: copyOfDate(job.finishedAt),
    leaseExpiresAt: copyOfDate(job.leaseExpiresAt),
  };
}

/**
 * The fields every log line about a job carries, wherever it is written (the server's lifecycle
 * lines, a worker's, the lease reaper's): correlationId matches the HTTP request's log lines,
 * so one search follows a job from the request that enqueued it to the worker that ran it.
 */
export function jobLogFields(job: Pick<Job, "id" | "type" | "queue" | "attempt" | "correlationId">) {
  return { jobId: job.id, type: job.type, queue: job.queue, attempt: job.attempt, correlationId: job.correlationId };
}
