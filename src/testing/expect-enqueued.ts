import { AssertionError } from "node:assert";
import { ValidationError } from "../core/errors.js";
import { knownOptions } from "../core/option-keys.js";
import type { JobDefinition } from "../client/job-definition.js";
import type { Errand } from "../errand.js";
import { checkErrandArgument } from "./errand-argument.js";
import type { Job } from "../core/job.js";
import type { JobState } from "../core/states.js";

/** A deep subset of a payload, as `payload` is matched: objects may leave fields out; arrays match item by item. */
export type PayloadSubset<T> = T extends readonly (infer Item)[]
  ? readonly PayloadSubset<Item>[]
  : T extends object
    ? { [K in keyof T]?: PayloadSubset<T[K]> }
    : T;

/**
 * Fields to match; `payload` matches as a deep subset (extra fields on the job are fine), and
 * with `type` a definition it is checked against that type's payload.
 */
export interface EnqueuedMatch<Payload = unknown> {
  type?: string | JobDefinition<Payload, any>;
  queue?: string;
  state?: JobState;
  priority?: number;
  idempotencyKey?: string;
  payload?: unknown extends Payload ? unknown : PayloadSubset<Payload>;
}

const MATCH_KEYS: ReadonlySet<string> = new Set(["type", "queue", "state", "priority", "idempotencyKey", "payload"]);
const COUNT_KEYS: ReadonlySet<string> = new Set(["count"]);

/**
 * Asserts that jobs matching `match` were enqueued, and returns them. With `count`, exactly
 * that many must match. The error lists what was enqueued instead, so a failing test says why.
 */
export async function expectEnqueued<Payload = unknown>(errand: Errand, match: EnqueuedMatch<Payload>, given?: { count?: number }): Promise<Job<Payload>[]> {
  checkErrandArgument(errand);
  // A misspelt field would match every job, and the assertion would pass for nothing.
  knownOptions(match, MATCH_KEYS, "match");
  const options = knownOptions(given, COUNT_KEYS);
  if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 0))
    throw new ValidationError("count", "must be an integer ≥ 0");
  const type = typeof match.type === "object" ? match.type.type : match.type;
  const all: Job<Payload>[] = [];
  let cursor: string | undefined;
  do {
    const page = await errand.listJobs({ type, queue: match.queue, state: match.state, limit: 1000, cursor });
    all.push(...(page.jobs as Job<Payload>[]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const found = all.filter(
    (job) =>
      (match.priority === undefined || job.priority === match.priority) &&
      (match.idempotencyKey === undefined || job.idempotencyKey === match.idempotencyKey) &&
      (match.payload === undefined || isSubset(match.payload, job.payload)),
  );
  const ok = options.count === undefined ? found.length > 0 : found.length === options.count;
  if (!ok) {
    const wanted = options.count === undefined ? "at least one job" : `${options.count} job(s)`;
    const listing = all
      .slice(0, 10)
      .map((j) => `  #${j.id} ${j.type} [${j.queue}, ${j.state}] ${JSON.stringify(j.payload)}`)
      .join("\n");
    throw new AssertionError({
      message:
        `expected ${wanted} matching ${JSON.stringify({ ...match, type })}, found ${found.length}.\n` +
        (all.length === 0 ? "No jobs matched the type/queue/state filter." : `Jobs with that type/queue/state:\n${listing}`),
      actual: found.length,
      expected: options.count ?? ">= 1",
    });
  }
  return found;
}

function isSubset(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== "object") return Object.is(expected, actual);
  if (actual === null || typeof actual !== "object") return false;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => isSubset(e, actual[i]));
  }
  return Object.entries(expected).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
}
