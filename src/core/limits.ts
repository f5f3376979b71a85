import { ValidationError } from "./errors.js";
import { knownOptions } from "./option-keys.js";

/** At most `max` starts in any window of `intervalMs`, counted across every process. */
export interface RateLimit {
  max: number;
  intervalMs: number;
}

/** What a job type or a queue may declare. */
export interface LimitOptions {
  rateLimit?: RateLimit;
  /** At most this many of its jobs running at once across every process (claimed counts as running). */
  concurrencyLimit?: number;
}

/**
 * One limit as a claim enforces it. `key` names the shared state in the store:
 * `type:<name>` limits jobs of that type in its queue, `queue:<name>` every job of a queue.
 */
export interface ClaimLimit {
  key: string;
  queue: string;
  /** Null for a queue limit; for a type limit, the type whose jobs in `queue` it counts. */
  type: string | null;
  rateLimit: RateLimit | null;
  concurrencyLimit: number | null;
}

/** Whether `limit` counts a job of `type` in `queue`: a queue limit counts every type there. */
export function limitCounts(limit: ClaimLimit, job: { queue: string; type: string }): boolean {
  return limit.queue === job.queue && (limit.type === null || limit.type === job.type);
}

/** Checks declared limits, so a mistake surfaces at `define` / `limitQueue`, not at a claim. */
const RATE_LIMIT_KEYS: ReadonlySet<string> = new Set(["max", "intervalMs"]);
/** Every option `limitQueue` takes. */
export const LIMIT_OPTION_KEYS: ReadonlySet<string> = new Set(["rateLimit", "concurrencyLimit"]);

export function validateLimitOptions(options: LimitOptions): LimitOptions {
  const result: LimitOptions = {};
  if (options.rateLimit !== undefined) {
    const rateLimit = knownOptions(options.rateLimit, RATE_LIMIT_KEYS, "rateLimit");
    const { max, intervalMs } = rateLimit;
    if (!Number.isInteger(max) || max! < 1 || max! > 1_000_000)
      throw new ValidationError("rateLimit.max", "must be an integer from 1 to 1000000");
    if (!Number.isInteger(intervalMs) || intervalMs! < 1 || intervalMs! > 86_400_000)
      throw new ValidationError("rateLimit.intervalMs", "must be an integer from 1 to 86400000 (one day)");
    result.rateLimit = { max: max!, intervalMs: intervalMs! };
  }
  if (options.concurrencyLimit !== undefined) {
    const k = options.concurrencyLimit;
    if (!Number.isInteger(k) || k < 1 || k > 1_000_000)
      throw new ValidationError("concurrencyLimit", "must be an integer from 1 to 1000000");
    result.concurrencyLimit = k;
  }
  return result;
}

export function typeLimit(type: string, queue: string, options: LimitOptions): ClaimLimit {
  return { key: `type:${type}`, queue, type, rateLimit: options.rateLimit ?? null, concurrencyLimit: options.concurrencyLimit ?? null };
}

export function queueLimit(queue: string, options: LimitOptions): ClaimLimit {
  return { key: `queue:${queue}`, queue, type: null, rateLimit: options.rateLimit ?? null, concurrencyLimit: options.concurrencyLimit ?? null };
}
