import type { EnqueueOptions, JobDefaults } from "../core/enqueue-options.js";
import type { JobHandler } from "../core/handler.js";
import type { LimitOptions } from "../core/limits.js";
import type { Job } from "../core/job.js";

/** A job type: its name, its defaults, and (in processes that work it) its handler. */
export interface JobDefinition<Payload, Result> {
  readonly type: string;
  readonly defaults: JobDefaults;
  readonly handler: JobHandler<Payload, Result> | null;
  /** Enqueues one job of this type; resolves once it is committed. */
  enqueue(payload: Payload, options?: EnqueueOptions): Promise<Job<Payload, Result>>;
  /** A typed item for `enqueueMany`. */
  request(payload: Payload, options?: EnqueueOptions): EnqueueRequest<Payload, Result>;
}

export interface JobTypeOptions<Payload, Result>
  extends Omit<EnqueueOptions, "delayMs" | "runAt" | "idempotencyKey" | "tx">,
    LimitOptions {
  /** Omit in processes that only enqueue this type. */
  handler?: JobHandler<Payload, Result>;
}

/** One job to enqueue: by definition (payload type-checked) or by type name. */
export interface EnqueueRequest<Payload = unknown, Result = unknown> {
  type: string | JobDefinition<Payload, Result>;
  payload: Payload;
  options?: EnqueueOptions;
}

/** Extracts the payload and result types of a definition: `PayloadOf<typeof sendEmail>`. */
// `any` in the other slot: JobDefinition is invariant in both, so `unknown` would never match.
export type PayloadOf<D> = D extends JobDefinition<infer P, any> ? P : never;
export type ResultOf<D> = D extends JobDefinition<any, infer R> ? R : never;
