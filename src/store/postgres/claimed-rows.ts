import { backoffFromText } from "../backoff-text.js";
import type { ClaimedJob, ParentFailurePolicy } from "../../core/job.js";
import { attemptErrorsFromRow, type StoredAttemptError } from "./rows.js";

/**
 * A row of claim_jobs.sql or claim_jobs_by_id.sql, read as an array (pg's rowMode "array").
 * A claim returns hundreds of rows at a time, and building them was most of a worker's cost
 * per job: so it leaves out what every claimed job has in common (state running, this worker,
 * no progress, result or finish time), sends started_at and lease_expires_at once, on one row
 * (one claim sets them alike for every row), sends the never-NULL columns that are mostly alike
 * from row to row only where they change (NULL: as the row before), and returns backoff as
 * text, parsed once per distinct policy.
 */
export type ClaimedRow = [
  id: string,
  /** NULL: as the row before (and so for each column marked "carried"). */
  type: string | null,
  /** Carried. */
  queue: string | null,
  payload: unknown,
  /** Carried. */
  priority: number | null,
  attempt: number,
  /** Carried. */
  maxAttempts: number | null,
  timeoutMs: number | null,
  /** Carried. */
  backoff: string | null,
  /** NULL while there are none, as on every first attempt. */
  errors: StoredAttemptError[] | null,
  idempotencyKey: string | null,
  /** Carried. */
  createdAt: Date | null,
  /** Carried. */
  runAt: Date | null,
  correlationId: string | null,
  webhookUrl: string | null,
  groupKey: string | null,
  groupLimit: number | null,
  flowId: string | null,
  flowNode: string | null,
  onParentFailure: ParentFailurePolicy | null,
  batchId: string | null,
  /** On one row of the claim only (its first). */
  startedAt: Date | null,
  /** On one row of the claim only (its first). */
  leaseExpiresAt: Date | null,
  /** max_attempts − replay_attempts: NULL until the job's first replay. */
  attemptsBeforeReplay: number | null,
];

/** The jobs a claim took, in the order it returned them, as running jobs of `workerId`. */
export function claimedJobs(rows: ClaimedRow[], workerId: string): ClaimedJob[] {
  // The statements send them on their first row; looking for it keeps that a detail of the SQL.
  const timed = rows.find((r) => r[21] !== null);
  if (timed === undefined) return [];
  const startedAt = timed[21];
  const leaseExpiresAt = timed[22];
  // The first row has every carried column (lag() of the first row is NULL, so it differs).
  let [, type, queue, , priority, , maxAttempts, , backoff, , , createdAt, runAt] = rows[0]!;
  return rows.map((r) => ({
    id: r[0],
    type: (type = r[1] ?? type)!,
    queue: (queue = r[2] ?? queue)!,
    state: "running",
    payload: r[3],
    priority: (priority = r[4] ?? priority)!,
    attempt: r[5],
    maxAttempts: (maxAttempts = r[6] ?? maxAttempts)!,
    timeoutMs: r[7],
    backoff: backoffFromText((backoff = r[8] ?? backoff)!),
    progress: null,
    result: null,
    errors: r[9] === null ? [] : attemptErrorsFromRow(r[9]),
    idempotencyKey: r[10],
    // Each job its own Date, as below.
    createdAt: r[11] === null ? new Date(createdAt!.getTime()) : (createdAt = r[11]),
    runAt: r[12] === null ? new Date(runAt!.getTime()) : (runAt = r[12]),
    // Each job its own Date: a handler that changes one must not change its neighbours'.
    startedAt: startedAt === null ? null : new Date(startedAt.getTime()),
    finishedAt: null,
    workerId,
    leaseExpiresAt: leaseExpiresAt === null ? null : new Date(leaseExpiresAt.getTime()),
    correlationId: r[13],
    webhookUrl: r[14],
    groupKey: r[15],
    groupLimit: r[16],
    flowId: r[17],
    flowNode: r[18],
    onParentFailure: r[19],
    batchId: r[20],
    attemptsBeforeReplay: r[23] ?? 0,
  }));
}
