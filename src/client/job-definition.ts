import type { BatchHandler, BatchOptions } from "../core/batch-handler.js";
import { JOB_DEFAULT_KEYS, type EnqueueOptions, type JobDefaultOptions, type JobDefaults } from "../core/enqueue-options.js";
import type { JobHandler } from "../core/handler.js";
import type { LimitOptions } from "../core/limits.js";
import type { Job } from "../core/job.js";
import type { PayloadArg } from "../core/json-types.js";
import { ValidationError } from "../core/errors.js";

/** A job type: its name, its defaults, and (in processes that work it) its handler. */
export interface JobDefinition<Payload, Result> {
  readonly type: string;
  readonly defaults: JobDefaults;
  /** The single-job handler, if this process runs this type one job at a time. */
  readonly handler: JobHandler<Payload, Result> | null;
  /** The batch handler and its options, if this process runs this type in batches. */
  readonly batch: (BatchOptions & { handler: BatchHandler<Payload, Result> }) | null;
  /** Enqueues one job of this type; resolves once it is committed. */
  enqueue(payload: PayloadArg<Payload>, options?: EnqueueOptions): Promise<Job<Payload, Result>>;
  /** A typed item for `enqueueMany`. */
  request(payload: PayloadArg<Payload>, options?: EnqueueOptions): EnqueueRequest<Payload, Result>;
}

/**
 * A job type's defaults and how it runs: `handler` takes one job per call; `batch` with
 * `batchHandler` takes up to `batch.size` per call. Omit both in processes that only enqueue.
 */
export type JobTypeOptions<Payload, Result> = JobDefaultOptions &
  LimitOptions &
  (
    | { handler?: JobHandler<Payload, Result>; batch?: never; batchHandler?: never }
    | { batch: BatchOptions; batchHandler: BatchHandler<Payload, Result>; handler?: never }
  );

/** Every option `define` takes. */
export const JOB_TYPE_OPTION_KEYS: ReadonlySet<string> = new Set<string>([
  ...JOB_DEFAULT_KEYS, "handler", "batch", "batchHandler", "rateLimit", "concurrencyLimit",
]);

/** One job to enqueue: by definition (payload type-checked) or by type name. */
export interface EnqueueRequest<Payload = unknown, Result = unknown> {
  type: string | JobDefinition<Payload, Result>;
  payload: PayloadArg<Payload>;
  options?: EnqueueOptions;
}

/**
 * `requests` as given, except that a request naming its type by definition must carry that
 * definition's payload: a plain `{ type: sendEmail, payload }` is checked as
 * `sendEmail.request(payload)` is. A type named by string takes any payload. Used as
 * `requests: T & CheckedRequests<T>`, where T is what the caller passed.
 */
export type CheckedRequests<T extends readonly EnqueueRequest<any, any>[]> = {
  [K in keyof T]: T[K] extends { type: JobDefinition<infer P, infer R> } ? EnqueueRequest<P, R> : T[K];
};

/** Extracts the payload and result types of a definition: `PayloadOf<typeof sendEmail>`. */
// `any` in the other slot: JobDefinition is invariant in both, so `unknown` would never match.
export type PayloadOf<D> = D extends JobDefinition<infer P, any> ? P : never;
export type ResultOf<D> = D extends JobDefinition<any, infer R> ? R : never;

/**
 * A job type as a caller names it: by name (null definition), or by a definition from define().
 * Anything else, which plain JavaScript can pass (`{ type: "x" }`), is a ValidationError on
 * `field`, not a TypeError from deep inside.
 */
export function namedType(type: unknown, field: string): { name: string; definition: JobDefinition<unknown, unknown> | null } {
  if (typeof type === "string") return { name: type, definition: null };
  const candidate = type as Partial<JobDefinition<unknown, unknown>> | null;
  if (typeof candidate === "object" && candidate !== null && typeof candidate.type === "string" && typeof candidate.defaults === "object" && candidate.defaults !== null)
    return { name: candidate.type, definition: candidate as JobDefinition<unknown, unknown> };
  throw new ValidationError(field, "must be a job type's name or a definition from errand.define()");
}
