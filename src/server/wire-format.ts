/**
 * The one place where the library's camelCase meets the API's snake_case: jobs going out,
 * enqueue bodies coming in, and the field names inside validation errors.
 */
import type { BackoffPolicy } from "../core/backoff.js";
import type { EnqueueOptions } from "../core/enqueue-options.js";
import type { ValidationError } from "../core/errors.js";
import type { AttemptError, Job } from "../core/job.js";
import type { JobState } from "../core/states.js";
import type { QueueOverview } from "../client/queue-overview.js";

export interface JobJson {
  id: string;
  type: string;
  queue: string;
  state: JobState;
  payload: unknown;
  priority: number;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  backoff: BackoffJson;
  progress: number | null;
  result: unknown;
  errors: AttemptErrorJson[];
  idempotency_key: string | null;
  correlation_id: string | null;
  webhook_url: string | null;
  group_key: string | null;
  group_limit: number | null;
  flow_id: string | null;
  flow_node: string | null;
  batch_id: string | null;
  created_at: string;
  run_at: string;
  started_at: string | null;
  finished_at: string | null;
  worker_id: string | null;
  lease_expires_at: string | null;
}

export interface BackoffJson {
  base_ms: number;
  max_ms: number;
  jitter: number;
}

/** Stacks stay out of the API: they describe our servers, not the caller's request. */
export interface AttemptErrorJson {
  attempt: number;
  message: string;
  code: string | null;
  at: string;
}

/** One item of `POST /v1/jobs` or of `jobs` in `POST /v1/jobs/batch`, as the schema admits it. */
export interface EnqueueBody {
  type: string;
  payload?: unknown;
  queue?: string;
  priority?: number;
  delay_ms?: number;
  run_at?: string;
  max_attempts?: number;
  timeout_ms?: number | null;
  backoff?: Partial<BackoffJson>;
  idempotency_key?: string;
  webhook_url?: string;
  group_key?: string;
  group_concurrency?: number;
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function jobToJson(job: Job): JobJson {
  return {
    id: job.id,
    type: job.type,
    queue: job.queue,
    state: job.state,
    payload: job.payload,
    priority: job.priority,
    attempt: job.attempt,
    max_attempts: job.maxAttempts,
    timeout_ms: job.timeoutMs,
    backoff: backoffToJson(job.backoff),
    progress: job.progress,
    result: job.result,
    errors: job.errors.map(attemptErrorToJson),
    idempotency_key: job.idempotencyKey,
    correlation_id: job.correlationId,
    webhook_url: job.webhookUrl,
    group_key: job.groupKey,
    group_limit: job.groupLimit,
    flow_id: job.flowId,
    flow_node: job.flowNode,
    batch_id: job.batchId,
    created_at: job.createdAt.toISOString(),
    run_at: job.runAt.toISOString(),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    worker_id: job.workerId,
    lease_expires_at: iso(job.leaseExpiresAt),
  };
}

export function backoffToJson(policy: BackoffPolicy): BackoffJson {
  return { base_ms: policy.baseMs, max_ms: policy.maxMs, jitter: policy.jitter };
}

/** The fields given, in the library's names; those left out take the job type's (see resolveDefaults). */
export function backoffFromBody(body: Partial<BackoffJson>): Partial<BackoffPolicy> {
  const policy: Partial<BackoffPolicy> = {};
  if (body.base_ms !== undefined) policy.baseMs = body.base_ms;
  if (body.max_ms !== undefined) policy.maxMs = body.max_ms;
  if (body.jitter !== undefined) policy.jitter = body.jitter;
  return policy;
}

function attemptErrorToJson(error: AttemptError): AttemptErrorJson {
  return { attempt: error.attempt, message: error.message, code: error.code, at: error.at.toISOString() };
}

export function queueToJson(queue: QueueOverview) {
  return { name: queue.queue, paused: queue.paused, counts: queue.counts };
}

/** Library options from an enqueue body; the schema has already checked every type. */
export function enqueueOptionsFromBody(body: EnqueueBody, correlationId: string): EnqueueOptions {
  const options: EnqueueOptions = { correlationId };
  if (body.queue !== undefined) options.queue = body.queue;
  if (body.priority !== undefined) options.priority = body.priority;
  if (body.delay_ms !== undefined) options.delayMs = body.delay_ms;
  if (body.run_at !== undefined) options.runAt = new Date(body.run_at);
  if (body.max_attempts !== undefined) options.maxAttempts = body.max_attempts;
  if (body.timeout_ms !== undefined) options.timeoutMs = body.timeout_ms;
  if (body.backoff !== undefined) options.backoff = backoffFromBody(body.backoff);
  if (body.idempotency_key !== undefined) options.idempotencyKey = body.idempotency_key;
  if (body.webhook_url !== undefined) options.webhookUrl = body.webhook_url;
  if (body.group_key !== undefined) options.groupKey = body.group_key;
  if (body.group_concurrency !== undefined) options.groupConcurrency = body.group_concurrency;
  return options;
}

/**
 * A library field path (`[2].delayMs`, `payload.userId`) as the API names it
 * (`jobs[2].delay_ms`, `payload.userId`): option names become snake_case; payload keys are
 * the caller's own and stay as sent.
 */
export function apiFieldName(libraryField: string, batchPrefix = "jobs"): string {
  const indexed = /^\[(\d+)\]\.(.*)$/.exec(libraryField);
  if (indexed) return `${batchPrefix}[${indexed[1]}].${apiFieldName(indexed[2]!)}`;
  const [head, ...rest] = libraryField.split(/(?=[.[])/);
  if (head === "payload" || head === "result") return libraryField;
  return [head ?? "", ...rest].map(toSnakeCase).join("");
}

/**
 * A library ValidationError as the API words it: `${field}: ${detail}`, where `field` is the
 * API's name (see apiFieldName) and the option names the detail mentions (`delayMs`) are
 * spelled as the API spells them (`delay_ms`).
 */
export function apiValidationMessage(error: ValidationError, field: string): string {
  return `${field}: ${error.detailRenamed((option) => apiFieldName(option))}`;
}

function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
