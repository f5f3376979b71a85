import type { AttemptError, ClaimedJob, Job, NewJob, ParentFailurePolicy } from "../../core/job.js";
import { visibleState, type JobState } from "../../core/states.js";
import { backoffFromText } from "../backoff-text.js";

/** A row of errand_jobs as better-sqlite3 returns it. */
export interface JobRow {
  id: number;
  type: string;
  queue: string;
  state: JobState;
  payload: string;
  priority: number;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  backoff: string;
  progress: number | null;
  result: string | null;
  errors: string;
  idempotency_key: string | null;
  created_at: number;
  run_at: number;
  started_at: number | null;
  finished_at: number | null;
  worker_id: string | null;
  lease_expires_at: number | null;
  correlation_id: string | null;
  webhook_url: string | null;
  webhook_pending: number;
  group_key: string | null;
  group_limit: number | null;
  flow_id: number | null;
  flow_node: string | null;
  parents_waiting: number;
  on_parent_failure: ParentFailurePolicy | null;
  batch_id: number | null;
}

type OrchestrationColumns = Pick<
  JobRow,
  "group_key" | "group_limit" | "flow_id" | "flow_node" | "on_parent_failure" | "batch_id"
>;

const idOrNull = (id: number | null): string | null => (id === null ? null : String(id));

function orchestrationFields(row: OrchestrationColumns) {
  return {
    groupKey: row.group_key,
    groupLimit: row.group_limit,
    flowId: idOrNull(row.flow_id),
    flowNode: row.flow_node,
    onParentFailure: row.on_parent_failure,
    batchId: idOrNull(row.batch_id),
  };
}

interface StoredAttemptError extends Omit<AttemptError, "at"> {
  at: number;
}

const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function parseErrors(text: string): AttemptError[] {
  if (text === "[]") return [];
  return (JSON.parse(text) as StoredAttemptError[]).map((e) => ({ ...e, at: new Date(e.at) }));
}

export function jobFromRow(row: JobRow, now: number): Job {
  return {
    id: String(row.id),
    type: row.type,
    queue: row.queue,
    state: visibleState(row.state, row.run_at, now),
    payload: JSON.parse(row.payload),
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    backoff: backoffFromText(row.backoff),
    progress: row.progress,
    result: row.result === null ? null : JSON.parse(row.result),
    errors: parseErrors(row.errors),
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(row.created_at),
    runAt: new Date(row.run_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
    workerId: row.worker_id,
    leaseExpiresAt: dateOrNull(row.lease_expires_at),
    correlationId: row.correlation_id,
    webhookUrl: row.webhook_url,
    ...orchestrationFields(row),
  };
}

/** The row insert_job.sql just wrote, rebuilt without reading it back (RETURNING * halves insert speed). */
export function newJobRow(job: NewJob, id: number, state: JobState, backoff: string, now: number, runAt: number): JobRow {
  return {
    id,
    type: job.type,
    queue: job.queue,
    state,
    payload: job.payload,
    priority: job.priority,
    attempt: 0,
    max_attempts: job.maxAttempts,
    timeout_ms: job.timeoutMs,
    backoff,
    progress: null,
    result: null,
    errors: "[]",
    idempotency_key: job.idempotencyKey,
    created_at: now,
    run_at: runAt,
    started_at: null,
    finished_at: null,
    worker_id: null,
    lease_expires_at: null,
    correlation_id: job.correlationId ?? null,
    webhook_url: job.webhookUrl ?? null,
    webhook_pending: job.webhookUrl ? 1 : 0,
    group_key: job.groupKey,
    group_limit: job.groupLimit,
    flow_id: job.flowId === null ? null : Number(job.flowId),
    flow_node: job.flowNode,
    parents_waiting: job.parentsWaiting,
    on_parent_failure: job.onParentFailure,
    batch_id: job.batchId === null ? null : Number(job.batchId),
  };
}

/**
 * What select_claimable.sql reads of a waiting job, in its column order. The claim reads rows
 * raw (as arrays): building an object with named keys per row cost half of a claim's read.
 */
export type ClaimableValues = [
  id: number,
  type: string,
  queue: string,
  state: JobState,
  payload: string,
  priority: number,
  attempt: number,
  max_attempts: number,
  timeout_ms: number | null,
  backoff: string,
  errors: string,
  idempotency_key: string | null,
  created_at: number,
  run_at: number,
  correlation_id: string | null,
  webhook_url: string | null,
  group_key: string | null,
  group_limit: number | null,
  flow_id: number | null,
  flow_node: string | null,
  on_parent_failure: ParentFailurePolicy | null,
  batch_id: number | null,
  /** max_attempts − replay_attempts: NULL until the job's first replay. */
  attempts_before_replay: number | null,
];

/** The job as claim_jobs.sql left it, built from what select_claimable.sql read. */
export function claimedJob(values: ClaimableValues, workerId: string, leaseExpiresAt: number, now: number): ClaimedJob {
  const [id, type, queue, , payload, priority, attempt, maxAttempts, timeoutMs, backoff, errors, idempotencyKey,
    createdAt, runAt, correlationId, webhookUrl, groupKey, groupLimit, flowId, flowNode, onParentFailure, batchId,
    attemptsBeforeReplay] = values;
  return {
    id: String(id),
    type,
    queue,
    state: "running",
    payload: JSON.parse(payload),
    priority,
    attempt: attempt + 1,
    maxAttempts,
    timeoutMs,
    backoff: backoffFromText(backoff),
    progress: null,
    result: null,
    errors: parseErrors(errors),
    idempotencyKey,
    createdAt: new Date(createdAt),
    runAt: new Date(runAt),
    startedAt: new Date(now),
    finishedAt: null,
    workerId,
    leaseExpiresAt: new Date(leaseExpiresAt),
    correlationId,
    webhookUrl,
    groupKey,
    groupLimit,
    flowId: idOrNull(flowId),
    flowNode,
    onParentFailure,
    batchId: idOrNull(batchId),
    attemptsBeforeReplay: attemptsBeforeReplay ?? 0,
  };
}
