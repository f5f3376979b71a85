import type { BackoffPolicy } from "../core/backoff.js";

/**
 * Jobs of one type share one backoff policy object, and a store writes and reads it as JSON
 * text for every job: these keep that to once per distinct policy, without letting a policy
 * changed in place, or one job's copy changed by its handler, reach any other job.
 */
interface Stringified {
  baseMs: number;
  maxMs: number;
  jitter: number;
  text: string;
}
const texts = new WeakMap<BackoffPolicy, Stringified>();

/** The policy as stored: stringified once per object, and again only if it was changed since. */
export function backoffText(policy: BackoffPolicy): string {
  const known = texts.get(policy);
  if (known !== undefined && known.baseMs === policy.baseMs && known.maxMs === policy.maxMs && known.jitter === policy.jitter)
    return known.text;
  const text = JSON.stringify(policy);
  texts.set(policy, { baseMs: policy.baseMs, maxMs: policy.maxMs, jitter: policy.jitter, text });
  return text;
}

const parsed = new Map<string, BackoffPolicy>();
const PARSED_KEPT = 1_000;

/** A stored policy, parsed once per distinct text; each caller gets an object of its own. */
export function backoffFromText(text: string): BackoffPolicy {
  let policy = parsed.get(text);
  if (policy === undefined) {
    if (parsed.size >= PARSED_KEPT) parsed.clear();
    policy = JSON.parse(text) as BackoffPolicy;
    parsed.set(text, policy);
  }
  return { ...policy };
}
