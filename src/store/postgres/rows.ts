import type { BackoffPolicy } from "../../core/backoff.js";
import type { AttemptError, ClaimedJob, Job, NewJob, ParentFailurePolicy } from "../../core/job.js";
import type { JobState } from "../../core/states.js";

/**
 * A row of jobs as pg returns it: bigint as a decimal string, timestamptz as Date, json and
 * jsonb already parsed. `visible_state` comes from the schema's visible_state() function.
 */
export interface JobRow {
  id: string;
  type: string;
  queue: string;
  state: JobState;
  visible_state: JobState;
  payload: unknown;
  priority: number;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  backoff: BackoffPolicy;
  progress: number | null;
  result: unknown;
  errors: StoredAttemptError[];
  idempotency_key: string | null;
  created_at: Date;
  run_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  worker_id: string | null;
  lease_expires_at: Date | null;
  correlation_id: string | null;
  webhook_url: string | null;
  group_key: string | null;
  group_limit: number | null;
  flow_id: string | null;
  flow_node: string | null;
  parents_waiting: number;
  on_parent_failure: ParentFailurePolicy | null;
  batch_id: string | null;
}

/** jsonb has no timestamp type: `at` is stored as the ISO text to_jsonb(now()) writes. */
export interface StoredAttemptError extends Omit<AttemptError, "at"> {
  at: string;
}

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    state: row.visible_state,
    payload: row.payload,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    backoff: row.backoff,
    progress: row.progress,
    result: row.result,
    errors: attemptErrorsFromRow(row.errors),
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    runAt: row.run_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    workerId: row.worker_id,
    leaseExpiresAt: row.lease_expires_at,
    correlationId: row.correlation_id,
    webhookUrl: row.webhook_url,
    groupKey: row.group_key,
    groupLimit: row.group_limit,
    flowId: row.flow_id,
    flowNode: row.flow_node,
    onParentFailure: row.on_parent_failure,
    batchId: row.batch_id,
  };
}

export function attemptErrorsFromRow(errors: StoredAttemptError[]): AttemptError[] {
  return errors.map((e) => ({ attempt: e.attempt, message: e.message, code: e.code, stack: e.stack, at: new Date(e.at) }));
}

/**
 * What the insert (insert_jobs.sql, insert_job.sql) decided for a row it wrote. Its run time
 * is not among them: it is the input's runAt (sent to the millisecond), or created_at +
 * delayMs, which the row's now() + delay truncates to the same millisecond.
 */
export type InsertedRow = Pick<JobRow, "id" | "state" | "created_at">;

/**
 * The job the insert just wrote, built from its input and the server's choices. Its
 * state is visible as stored: the server chose `scheduled` only for a run time still ahead.
 */
export function insertedJob(input: NewJob, row: InsertedRow): Job {
  return {
    id: row.id,
    type: input.type,
    queue: input.queue,
    state: row.state,
    payload: JSON.parse(input.payload),
    priority: input.priority,
    attempt: 0,
    maxAttempts: input.maxAttempts,
    timeoutMs: input.timeoutMs,
    backoff: input.backoff,
    progress: null,
    result: null,
    errors: [],
    idempotencyKey: input.idempotencyKey,
    // Each job its own Date, though one batch shares one created_at: changing one must not change the rest.
    createdAt: new Date(row.created_at.getTime()),
    runAt: new Date(input.runAt === null ? row.created_at.getTime() + input.delayMs : input.runAt.getTime()),
    startedAt: null,
    finishedAt: null,
    workerId: null,
    leaseExpiresAt: null,
    correlationId: input.correlationId,
    webhookUrl: input.webhookUrl,
    groupKey: input.groupKey,
    groupLimit: input.groupLimit,
    flowId: input.flowId,
    flowNode: input.flowNode,
    onParentFailure: input.onParentFailure,
    batchId: input.batchId,
  };
}

/** What insert_claimed_job.sql returns: the rest of the row is its input's, or a claim's. */
export type ClaimedOnInsertRow = Pick<JobRow, "id" | "created_at" | "lease_expires_at">;

/** The job insert_claimed_job.sql wrote: running under `workerId`'s lease since it was created. */
export function claimedOnInsert(input: NewJob, row: ClaimedOnInsertRow, workerId: string): ClaimedJob {
  const createdAt = row.created_at.getTime();
  return {
    ...insertedJob(input, { id: row.id, state: "running", created_at: row.created_at }),
    attempt: 1,
    startedAt: new Date(createdAt),
    workerId,
    leaseExpiresAt: row.lease_expires_at,
    attemptsBeforeReplay: 0,
  };
}
