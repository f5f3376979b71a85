import { validateName } from "../core/enqueue-options.js";
import { timerMs } from "../core/timer-limit.js";
import { ValidationError } from "../core/errors.js";
import { knownOptions } from "../core/option-keys.js";
import { lapseAfterMs } from "./lease-heartbeat.js";

export interface WorkerOptions {
  /** Queues to take jobs from. Default: ["default"]. */
  queues?: string[];
  /** Most jobs running at once in this worker. Default 10. */
  concurrency?: number;
  /** How long a claim is valid without a heartbeat, ms. A dead worker's jobs return after this. Default 15 000. */
  leaseMs?: number;
  /** How often leases are extended, ms. Default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often to look for jobs enqueued by other processes when idle, ms. Default 500. */
  pollIntervalMs?: number;
  /** How often to look for expired leases, ms. Default leaseMs / 3. */
  reaperIntervalMs?: number;
  /** On close, how long in-flight jobs may run before they are aborted and returned to the queue, ms. Default 10 000. */
  shutdownGraceMs?: number;
  /**
   * Most jobs to claim ahead of free slots. The worker keeps about 50 ms of work ready (from
   * recent handler durations), up to this many; 0 claims only for free slots. Default 500.
   */
  prefetch?: number;
}

export type ResolvedWorkerOptions = Required<WorkerOptions>;

const WORKER_OPTION_KEYS: ReadonlySet<string> = new Set([
  "queues", "concurrency", "leaseMs", "heartbeatMs", "pollIntervalMs", "reaperIntervalMs", "shutdownGraceMs", "prefetch",
]);

/** The ValidationError a close()'s options deserve, if any (returned, for a rejected promise). */
export function badCloseOptions(options: { graceMs?: number }): ValidationError | null {
  try {
    knownOptions(options, CLOSE_OPTION_KEYS);
    if (options.graceMs !== undefined) timerMs(options.graceMs, "graceMs", 0);
    return null;
  } catch (error) {
    return error as ValidationError;
  }
}

const CLOSE_OPTION_KEYS: ReadonlySet<string> = new Set(["graceMs"]);

/**
 * Checks worker options and fills in their defaults; throws ValidationError naming the bad
 * one. Exported so a caller (the CLI) can refuse bad options before it connects.
 */
export function resolveWorkerOptions(given?: WorkerOptions): ResolvedWorkerOptions {
  const options = knownOptions(given, WORKER_OPTION_KEYS);
  const positive = (value: number | undefined, fallback: number, field: string) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw new ValidationError(field, "must be a positive integer");
    return v;
  };
  const ms = (value: number | undefined, fallback: number, field: string, min = 1) => timerMs(value ?? fallback, field, min);
  const queues = options.queues ?? ["default"];
  if (!Array.isArray(queues) || queues.length === 0) throw new ValidationError("queues", "must list at least one queue");
  // The rule enqueue holds queue names to: a worker on any other name could never get a job.
  queues.forEach((queue, i) => validateName(queue, `queues[${i}]`));
  const leaseMs = ms(options.leaseMs, 15_000, "leaseMs");
  const heartbeatMs = ms(options.heartbeatMs, Math.max(1, Math.floor(leaseMs / 3)), "heartbeatMs");
  // A beat must land before the handler is told its lease lapsed, or every job that outlives
  // one lease fails with lease_lapsed on a healthy store.
  const lapseMs = lapseAfterMs(leaseMs);
  if (heartbeatMs >= lapseMs)
    throw new ValidationError("heartbeatMs", `must be shorter than ${lapseMs} ms: leaseMs less a tenth of it (at most 1 s), when a lease no beat extended is reported lapsed`, ["leaseMs"]);
  return {
    queues,
    concurrency: positive(options.concurrency, 10, "concurrency"),
    leaseMs,
    heartbeatMs,
    pollIntervalMs: ms(options.pollIntervalMs, 500, "pollIntervalMs"),
    reaperIntervalMs: ms(options.reaperIntervalMs, Math.max(1, Math.floor(leaseMs / 3)), "reaperIntervalMs"),
    shutdownGraceMs: ms(options.shutdownGraceMs, 10_000, "shutdownGraceMs", 0),
    prefetch: prefetchOf(options.prefetch),
  };
}


function prefetchOf(value: number | undefined): number {
  const prefetch = value ?? 500;
  if (!Number.isInteger(prefetch) || prefetch < 0) throw new ValidationError("prefetch", "must be an integer ≥ 0 (0: claim only for free slots)");
  return prefetch;
}
