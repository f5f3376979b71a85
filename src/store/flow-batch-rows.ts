import { batchState, type Batch } from "../core/batch.js";
import type { StoredFlow } from "../core/flow.js";
import type { Job } from "../core/job.js";

/* Rows of the flow and batch tables as either driver returns them: ids as numbers (SQLite) or
 * decimal strings (pg bigint), times as epoch ms (SQLite) or Dates (pg timestamptz). */
type Id = number | string;
type Time = number | Date;

export interface BatchRow {
  id: Id;
  created_at: Time;
  total: number;
  completed: number;
  failed: number;
  canceled: number;
  on_complete_job_id: Id;
}

export interface FlowRow {
  id: Id;
  created_at: Time;
  /** Read by get_flow (booleans on PostgreSQL, 0 or 1 on SQLite); a new flow has none deleted. */
  deleted_failed?: boolean | number;
  deleted_canceled?: boolean | number;
}

export interface DependencyRow {
  parent_id: Id;
  child_id: Id;
}

export function batchFromRow(row: BatchRow): Batch {
  return {
    id: String(row.id),
    state: batchState(row),
    createdAt: new Date(row.created_at),
    total: row.total,
    completed: row.completed,
    failed: row.failed,
    canceled: row.canceled,
    onCompleteJobId: String(row.on_complete_job_id),
  };
}

export function storedFlow(row: FlowRow, jobs: Job[], dependencies: DependencyRow[]): StoredFlow {
  return {
    id: String(row.id),
    createdAt: new Date(row.created_at),
    deletedNodes: { failed: Boolean(row.deleted_failed), canceled: Boolean(row.deleted_canceled) },
    jobs,
    dependencies: dependencies.map((d) => ({ parentId: String(d.parent_id), childId: String(d.child_id) })),
  };
}
