import { backoffFromText } from "../backoff-text.js";
import type { Job, ParentFailurePolicy } from "../../core/job.js";
import { attemptErrorsFromRow, type StoredAttemptError } from "./rows.js";

/**
 * A row of claim_jobs.sql or claim_jobs_by_id.sql, read as an array (pg's rowMode "array").
 * A claim returns hundreds of rows at a time, and building them was most of a worker's cost
 * per job: so it leaves out what every claimed job has in common (state running, this worker,
 * no progress, result or finish time), sends started_at and lease_expires_at once, on one row
 * (one claim sets them alike for every row), and returns backoff as text, parsed once per
 * distinct policy.
 */
export type ClaimedRow = [
  id: string,
  type: string,
  queue: string,
  payload: unknown,
  priority: number,
  attempt: number,
  maxAttempts: number,
  timeoutMs: number | null,
  backoff: string,
  /** NULL while there are none, as on every first attempt. */
  errors: StoredAttemptError[] | null,
  idempotencyKey: string | null,
  createdAt: Date,
  runAt: Date,
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
];

/** The jobs a claim took, in the order it returned them, as running jobs of `workerId`. */
export function claimedJobs(rows: ClaimedRow[], workerId: string): Job[] {
  // The statements send them on their first row; looking for it keeps that a detail of the SQL.
  const timed = rows.find((r) => r[21] !== null);
  if (timed === undefined) return [];
  const startedAt = timed[21];
  const leaseExpiresAt = timed[22];
  return rows.map((r) => ({
    id: r[0],
    type: r[1],
    queue: r[2],
    state: "running",
    payload: r[3],
    priority: r[4],
    attempt: r[5],
    maxAttempts: r[6],
    timeoutMs: r[7],
    backoff: backoffFromText(r[8]),
    progress: null,
    result: null,
    errors: r[9] === null ? [] : attemptErrorsFromRow(r[9]),
    idempotencyKey: r[10],
    createdAt: r[11],
    runAt: r[12],
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
  }));
}
