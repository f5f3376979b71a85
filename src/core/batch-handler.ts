import { ValidationError } from "./errors.js";
import type { Job } from "./job.js";
import { rejectUnknownKeys } from "./option-keys.js";

/** How a batch job type's jobs are gathered: up to `size` per handler call, waiting at most `maxWaitMs` for them. */
export interface BatchOptions {
  /** Most jobs per handler call, 1–10 000. */
  size: number;
  /**
   * How long the first job of a forming batch waits for more before the batch goes with what
   * it has, ms. A full batch never waits. 0: the jobs this worker has at hand go at once.
   */
  maxWaitMs: number;
}

/** What a batch handler gets besides its payloads. */
export interface BatchContext<Payload = unknown> {
  /** The jobs as claimed (attempt numbers included), aligned with the payloads. */
  readonly jobs: readonly Job<Payload>[];
  /**
   * Fires once no job of the batch is still wanted: each one timed out, was canceled or lost
   * its lease, or the worker is shutting down. Pass it to the provider call.
   */
  readonly signal: AbortSignal;
  /** Fires when job `index` alone is no longer wanted (its timeout, cancel, lost lease); its outcome will be ignored. */
  signalOf(index: number): AbortSignal;
}

/**
 * One job's outcome in a batch: a value completes the job with that result; an Error fails
 * that job alone (PermanentError, SnoozeJob and CancelJob mean what they do when thrown by a
 * single job's handler).
 */
export type BatchOutcome<Result> = Result | Error;

/**
 * Runs up to `size` jobs of one type in one call and returns one outcome per job, in the
 * order of `payloads`. Throwing fails every job of the batch (one attempt each).
 */
export type BatchHandler<Payload, Result> = (
  payloads: Payload[],
  ctx: BatchContext<Payload>,
) => Promise<BatchOutcome<Result>[]> | BatchOutcome<Result>[];

export const MAX_BATCH_SIZE = 10_000;

const BATCH_OPTION_KEYS: ReadonlySet<string> = new Set(["size", "maxWaitMs"]);

/** Checks a job type's batch options at `define`, so a mistake surfaces there. */
export function validateBatchOptions(options: unknown): BatchOptions {
  if (typeof options !== "object" || options === null) throw new ValidationError("batch", "must be { size, maxWaitMs }");
  rejectUnknownKeys(options, BATCH_OPTION_KEYS, "batch.");
  const { size, maxWaitMs } = options as Record<string, unknown>;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE)
    throw new ValidationError("batch.size", `must be an integer from 1 to ${MAX_BATCH_SIZE}`);
  if (typeof maxWaitMs !== "number" || !Number.isSafeInteger(maxWaitMs) || maxWaitMs < 0)
    throw new ValidationError("batch.maxWaitMs", "must be an integer ≥ 0");
  return { size, maxWaitMs };
}
