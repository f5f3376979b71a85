import type { BackoffPolicy } from "../core/backoff.js";

/**
 * Jobs of one type share one backoff policy object, and a store writes and reads it as JSON
 * text for every job: these keep that to once per distinct policy, without letting a policy
 * changed in place, or one job's copy changed by its handler, reach any other job.
 */
let last: { policy: BackoffPolicy; baseMs: number; maxMs: number; jitter: number; text: string } | null = null;

/** The policy as stored: stringified again only for another object, or one changed since. */
export function backoffText(policy: BackoffPolicy): string {
  const b = policy;
  if (last === null || last.policy !== b || last.baseMs !== b.baseMs || last.maxMs !== b.maxMs || last.jitter !== b.jitter)
    last = { policy: b, baseMs: b.baseMs, maxMs: b.maxMs, jitter: b.jitter, text: JSON.stringify(b) };
  return last.text;
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
