/**
 * JSON Schemas for every request and response. Fastify validates requests with them, and
 * /openapi.json is generated from the same objects, so the documentation cannot drift from
 * what is enforced. `additionalProperties: false` everywhere: an unknown field is a 400,
 * never silently dropped.
 */
import { CANCELABLE_STATES } from "../client/job-client.js";
import { MAX_DELAY_MS } from "../core/max-delay.js";
import { NAME, NAME_RULE } from "../core/enqueue-options.js";
import { JOB_STATES } from "../core/states.js";

export type JsonSchema = Readonly<Record<string, unknown>>;

const JOB_ID_PATTERN = "^[1-9][0-9]{0,18}$";
const MAX_INT32 = 2 ** 31 - 1;

/**
 * A string whose rule is a pattern (or a format). Its description states the rule in words
 * first, then after "; " what the field is for: a schema error quotes the rule ("limit must be
 * an integer from 1 to 1000") instead of the regular expression, so the rule has one home.
 */
export const patterned = (pattern: string, rule: string, meaning?: string) => ({
  type: "string",
  pattern,
  description: meaning === undefined ? rule : `${rule}; ${meaning}`,
});
export const name = (meaning: string) => patterned(NAME.source, NAME_RULE, meaning);
export const recordId = (meaning: string) => patterned(JOB_ID_PATTERN, "a positive integer up to 9223372036854775807", meaning);
export const nullable = (schema: JsonSchema) => ({ anyOf: [schema, { type: "null" }] });
export const dateTime = { type: "string", format: "date-time" };

const backoffBodySchema = {
  type: "object",
  additionalProperties: false,
  description: "retry delays: base_ms after the first failure, doubling up to max_ms, each shortened by up to jitter × itself at random; a field left out is the job type's",
  properties: {
    base_ms: { type: "integer", minimum: 0, maximum: MAX_DELAY_MS },
    max_ms: { type: "integer", minimum: 0, maximum: MAX_DELAY_MS, description: "at least base_ms" },
    jitter: { type: "number", minimum: 0, maximum: 1 },
  },
} as const;

export const enqueueItemSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type"],
  properties: {
    type: name("job type; must be defined by the server's handlers or declared with --types"),
    payload: { description: "any JSON value (default {}); at most 1 MiB and 32 levels deep" },
    queue: name("queue; default: the job type's queue"),
    priority: { type: "integer", minimum: -MAX_INT32, maximum: MAX_INT32, description: "higher runs first; default 0" },
    delay_ms: { type: "integer", minimum: 0, maximum: MAX_DELAY_MS, description: "run no earlier than this many ms from now; exclusive with run_at" },
    run_at: { ...dateTime, description: "an ISO 8601 date-time such as 2030-01-31T09:00:00Z; run no earlier than this time; exclusive with delay_ms" },
    max_attempts: { type: "integer", minimum: 1, maximum: 1000 },
    timeout_ms: { anyOf: [{ type: "integer", minimum: 1, maximum: MAX_INT32 }, { type: "null" }], description: "abort the handler after this long; null: no limit" },
    backoff: backoffBodySchema,
    idempotency_key: { type: "string", minLength: 1, maxLength: 255, description: "repeating a key returns the existing job (200) and creates nothing" },
    webhook_url: { type: "string", minLength: 1, maxLength: 2048, description: "http(s) URL POSTed the job once it ends, signed (see X-Errand-Signature)" },
    group_key: { type: "string", minLength: 1, maxLength: 255, description: "jobs sharing a key run in enqueue order, group_concurrency at a time" },
    group_concurrency: { type: "integer", minimum: 1, maximum: 10_000, description: "most jobs of the group running at once; needs group_key; default 1" },
  },
} as const;

export const enqueueBatchSchema = {
  type: "object",
  additionalProperties: false,
  required: ["jobs"],
  properties: { jobs: { type: "array", minItems: 1, maxItems: 1000, items: enqueueItemSchema } },
} as const;

export const jobIdParamsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: recordId("job id") },
} as const;

export const queueParamsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: { name: name("queue name") },
} as const;

// Query strings arrive as text and are not type-coerced (coercion would also loosen bodies),
// so numbers in them are patterns here and parsed by the route.
/** The fields a listing may leave out of each job: the ones that can be large. */
export const OMITTABLE = ["payload", "result", "errors"] as const;
const OMIT_MEANING = "fields left out of each job, so that a page of jobs with large payloads stays small";

export const listJobsQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    state: { type: "string", enum: [...JOB_STATES] },
    type: name("job type"),
    queue: name("queue"),
    limit: patterned("^(?:[1-9][0-9]{0,2}|1000)$", "an integer from 1 to 1000", "page size (default 50)"),
    cursor: recordId("next_cursor of the previous page"),
    omit: patterned(
      // The lookahead refuses a field named twice, as the bulk routes' body (uniqueItems) does.
      `^(?!.*\\b(${OMITTABLE.join("|")})\\b.*\\b\\1\\b)(?:${OMITTABLE.join("|")})(?:,(?:${OMITTABLE.join("|")}))*$`,
      "a comma-separated list of payload, result and errors, each at most once",
      OMIT_MEANING,
    ),
  },
} as const;

/** The body of a bulk change (POST /v1/jobs/retry, /cancel): which jobs, a page at a time (a body, so limit is a number). */
const bulkChangeBodySchema = (state: JsonSchema, required: string[]) => ({
  type: "object",
  additionalProperties: false,
  required,
  properties: {
    state,
    type: name("job type"),
    queue: name("queue"),
    limit: { type: "integer", minimum: 1, maximum: 1000, description: "jobs visited in this call (default 50)" },
    cursor: recordId("next_cursor of the previous call"),
    omit: { type: "array", uniqueItems: true, items: { type: "string", enum: [...OMITTABLE] }, description: OMIT_MEANING },
  },
});

export const retryJobsBodySchema = bulkChangeBodySchema(
  { type: "string", enum: ["failed", "canceled"], description: "default failed: the dead-letter set" },
  [],
);

export const cancelJobsBodySchema = bulkChangeBodySchema(
  { type: "string", enum: [...CANCELABLE_STATES], description: "which jobs not ended to cancel" },
  ["state"],
);

export const backoffSchema = {
  type: "object",
  properties: { base_ms: { type: "integer" }, max_ms: { type: "integer" }, jitter: { type: "number" } },
} as const;

const attemptErrorSchema = {
  type: "object",
  properties: {
    attempt: { type: "integer" },
    message: { type: "string" },
    code: nullable({ type: "string" }),
    at: dateTime,
  },
};

export const jobSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    type: { type: "string" },
    queue: { type: "string" },
    state: { type: "string", enum: [...JOB_STATES] },
    payload: {},
    priority: { type: "integer" },
    attempt: { type: "integer", description: "attempts started so far" },
    max_attempts: { type: "integer" },
    timeout_ms: nullable({ type: "integer" }),
    backoff: backoffSchema,
    progress: nullable({ type: "number", minimum: 0, maximum: 100 }),
    result: { description: "the handler's return value once completed" },
    errors: { type: "array", items: attemptErrorSchema, description: "every failed attempt, oldest first" },
    idempotency_key: nullable({ type: "string" }),
    correlation_id: nullable({ type: "string", description: "X-Request-Id of the request that enqueued the job" }),
    webhook_url: nullable({ type: "string" }),
    group_key: nullable({ type: "string" }),
    group_limit: nullable({ type: "integer" }),
    flow_id: nullable({ type: "string" }),
    flow_node: nullable({ type: "string" }),
    batch_id: nullable({ type: "string" }),
    created_at: dateTime,
    run_at: dateTime,
    started_at: nullable(dateTime),
    finished_at: nullable(dateTime),
    worker_id: nullable({ type: "string" }),
    lease_expires_at: nullable(dateTime),
  },
} as const;

export const jobListSchema = {
  type: "object",
  properties: { jobs: { type: "array", items: jobSchema }, next_cursor: nullable({ type: "string" }) },
} as const;

export const jobBatchSchema = {
  type: "object",
  properties: { jobs: { type: "array", items: jobSchema } },
} as const;

export const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        field: { type: "string", description: "the offending field, e.g. jobs[2].delay_ms" },
      },
    },
  },
} as const;

export const queueListSchema = {
  type: "object",
  properties: {
    queues: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          paused: { type: "boolean" },
          counts: { type: "object", properties: Object.fromEntries(JOB_STATES.map((s) => [s, { type: "integer" }])) },
        },
      },
    },
  },
} as const;

export const queueStateSchema = {
  type: "object",
  properties: { name: { type: "string" }, paused: { type: "boolean" } },
} as const;

export const statusSchema = { type: "object", properties: { status: { type: "string" } } } as const;

export const jobEventsSchema = {
  type: "string",
  description:
    "text/event-stream. `state` events carry the job (the first one is its current state); " +
    "`progress` events carry {id, progress}. The stream closes after a terminal state.",
} as const;
