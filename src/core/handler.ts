import type { TransactionClient } from "./enqueue-options.js";
import { ValidationError } from "./errors.js";
import type { ClaimedJob } from "./job.js";

/** What a running handler gets besides its payload. */
export interface JobContext<Payload = unknown> {
  /** The job as it was claimed (attempt number included, and the attempts before its last replay). */
  readonly job: ClaimedJob<Payload>;
  /**
   * Fires on timeout, when the job is canceled, when the lease is lost, and on forced
   * shutdown. `signal.reason` says which. Pass it to fetch(), streams and child processes.
   */
  readonly signal: AbortSignal;
  /** Persists progress (0–100) on the job and emits a `progress` event. */
  progress(percent: number): Promise<void>;
  /**
   * PostgreSQL only: completes the job in the same transaction as the handler's own writes.
   * Runs `fn` inside a fresh transaction (its `tx` is a `pg` client after BEGIN: query through
   * it, never COMMIT or ROLLBACK yourself), then marks the job completed with `fn`'s return
   * value as its result, and commits only if this worker still holds the lease. So the writes
   * and the completion happen together or not at all, and a worker that lost its lease (its
   * job retried elsewhere) cannot apply them twice: it rejects with LeaseLostError and
   * nothing is written. If `fn` throws, everything rolls back and the error propagates (the
   * job is retried as usual). Call it at most once per attempt, and return its value from the
   * handler; the job is already completed when it resolves. On SQLite it rejects with
   * UnsupportedByStoreError.
   */
  completeInTransaction<T>(fn: (tx: TransactionClient) => Promise<T>): Promise<T>;
  /**
   * For a flow node: the results of its parents, keyed by node name, e.g.
   * `const { encode, resize } = await ctx.parents<{ encode: Encoded; resize: Resized }>()`.
   * Only parents that completed appear (under `onParentFailure: "continue"` a failed or
   * canceled parent has no entry). For a job outside a flow: `{}`.
   */
  parents<Results extends Record<string, unknown> = Record<string, unknown>>(): Promise<Results>;
}

export type JobHandler<Payload, Result> = (payload: Payload, ctx: JobContext<Payload>) => Promise<Result> | Result;

/** ctx.progress's argument checked, by the worker and by runJobInline alike: a number from 0 to 100. */
export function checkedProgress(percent: unknown): number {
  if (typeof percent === "number" && Number.isFinite(percent) && percent >= 0 && percent <= 100) return percent;
  // JSON quotes a string, so "50" does not read as the number it is not.
  throw new ValidationError("progress", `must be a number from 0 to 100, got ${typeof percent === "number" ? percent : (JSON.stringify(percent) ?? String(percent))}`);
}
