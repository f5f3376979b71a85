import { ValidationError } from "./errors.js";
import { MAX_DELAY_MS } from "./max-delay.js";

/** How long to wait before the next attempt after a failure. */
export interface BackoffPolicy {
  /** Delay after the first failed attempt, in ms. Doubles with each further attempt. */
  baseMs: number;
  /** Upper bound of the delay, in ms. */
  maxMs: number;
  /**
   * Share of the delay that is randomised, 0..1. With 0.5 the delay lies in [d/2, d]. Jitter
   * keeps many jobs that failed together (an outage) from all retrying in the same instant.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 3_600_000, jitter: 0.5 };

/** Delay before attempt `attempt + 1`, given that attempt `attempt` (1-based) just failed. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  // 2 ** 1024 is Infinity; clamp the exponent so the cap, not overflow, decides.
  const raw = policy.baseMs * 2 ** Math.min(exponent, 52);
  const capped = Math.min(policy.maxMs, raw);
  return Math.round(capped * (1 - policy.jitter * random()));
}

export function validateBackoff(policy: BackoffPolicy, field = "backoff"): BackoffPolicy {
  const bad = (key: keyof BackoffPolicy, msg: string, mentions: string[] = []) => new ValidationError(`${field}.${key}`, msg, mentions);
  // Whole milliseconds, as delayMs and every other duration Errand takes.
  const inRange = (ms: unknown, min: number) => Number.isInteger(ms) && (ms as number) >= min && (ms as number) <= MAX_DELAY_MS;
  if (!inRange(policy.baseMs, 0)) throw bad("baseMs", `must be an integer from 0 to ${MAX_DELAY_MS} (100 years)`);
  if (!inRange(policy.maxMs, policy.baseMs)) throw bad("maxMs", `must be an integer from baseMs (${policy.baseMs}) to ${MAX_DELAY_MS} (100 years)`, ["baseMs"]);
  if (!Number.isFinite(policy.jitter) || policy.jitter < 0 || policy.jitter > 1) throw bad("jitter", "must be between 0 and 1");
  return policy;
}
