import type { JobDefinition } from "../client/job-definition.js";
import { knownOptions } from "../core/option-keys.js";
import type { TransactionClient } from "../core/enqueue-options.js";
import { UnsupportedByStoreError, ValidationError } from "../core/errors.js";
import { checkedProgress, type JobContext } from "../core/handler.js";
import type { ClaimedJob } from "../core/job.js";
import { serializePayload } from "../core/payload.js";

export interface InlineRunOptions {
  /** The attempt number the handler sees (default 1), to test last-attempt behaviour. */
  attempt?: number;
  /** Abort it to test how the handler reacts to timeout or cancellation. */
  signal?: AbortSignal;
  /**
   * What ctx.completeInTransaction hands the handler (e.g. a pg client in a test transaction).
   * Without it, ctx.completeInTransaction rejects: there is no store to complete in.
   */
  tx?: TransactionClient;
  /** What ctx.parents() returns: the results of a flow node's parents, keyed by node name. Default {}. */
  parents?: Record<string, unknown>;
}

const INLINE_OPTION_KEYS: ReadonlySet<string> = new Set(["attempt", "signal", "tx", "parents"]);

/** What a handler's result is once stored: JSON has no undefined, so nothing returned reads back as null. */
export type StoredResult<Result> = undefined extends Result ? Exclude<Result, undefined> | null : Result;

export interface InlineRun<Result> {
  result: StoredResult<Result>;
  /** Every ctx.progress() value, in order. */
  progress: number[];
}

/**
 * Runs a job type's handler in the test's own process, with no store and no worker. The
 * payload and result make the same JSON round trip they make for real, so a handler that
 * relies on a Date or a class instance surviving it fails here, not in production. No timer
 * runs: the type's timeoutMs is not applied (abort `signal` to test how the handler reacts).
 */
export async function runJobInline<Payload, Result>(
  definition: JobDefinition<Payload, Result>,
  payload: Payload,
  given?: InlineRunOptions,
): Promise<InlineRun<Result>> {
  if (typeof definition !== "object" || definition === null || typeof definition.type !== "string" || !("handler" in definition))
    throw new ValidationError("definition", "must be a job type's definition, as errand.define returns it");
  const options = knownOptions(given, INLINE_OPTION_KEYS);
  if (definition.handler === null) {
    const why = definition.batch === null ? "has no handler in this process" : "has a batch handler; runJobInline runs single-job handlers";
    throw new Error(`job type "${definition.type}" ${why}`);
  }
  const roundTripped = JSON.parse(serializePayload(payload)) as Payload;
  const progress: number[] = [];
  const now = new Date();
  const job: ClaimedJob<Payload> = {
    id: "inline",
    type: definition.type,
    queue: definition.defaults.queue,
    state: "running",
    payload: roundTripped,
    priority: definition.defaults.priority,
    attempt: options.attempt ?? 1,
    maxAttempts: definition.defaults.maxAttempts,
    timeoutMs: definition.defaults.timeoutMs,
    backoff: definition.defaults.backoff,
    progress: null,
    result: null,
    errors: [],
    idempotencyKey: null,
    createdAt: now,
    runAt: now,
    startedAt: now,
    finishedAt: null,
    workerId: "inline",
    leaseExpiresAt: null,
    correlationId: null,
    webhookUrl: null,
    groupKey: null,
    groupLimit: null,
    flowId: null,
    flowNode: null,
    onParentFailure: null,
    batchId: null,
    attemptsBeforeReplay: 0,
  };
  const ctx: JobContext<Payload> = {
    job,
    signal: options.signal ?? new AbortController().signal,
    progress: async (percent) => {
      progress.push(checkedProgress(percent));
    },
    completeInTransaction: async (fn) => {
      if (options.tx === undefined) throw new UnsupportedByStoreError("ctx.completeInTransaction (runJobInline without a tx option)", "inline");
      return fn(options.tx);
    },
    parents: async <Results>() => (options.parents ?? {}) as Results,
  };
  const result = await definition.handler(roundTripped, ctx);
  // Nothing returned is stored as null (JSON has no undefined): the handler's callers read that.
  const text = result === undefined ? "null" : serializePayload(result, undefined, "result");
  return { result: JSON.parse(text) as StoredResult<Result>, progress };
}
