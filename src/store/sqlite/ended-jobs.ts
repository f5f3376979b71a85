import { settleSteps, type EndedRow, type SettleStep } from "../ended-jobs.js";
import type { Statements } from "./statements.js";

export type SqliteEndedRow = EndedRow & { id: number };
type ReleasedRow = { queue: string; state: string };

/**
 * Applies jobs' endings (see settleSteps) inside the caller's write transaction. Adds to
 * `released` the queues of jobs it made pending, for the store to announce once committed.
 */
export function settleEndedJobs(sql: Statements, rows: readonly SqliteEndedRow[], now: number, released: Set<string>): void {
  const steps = settleSteps(rows);
  for (let step = steps.next(); !step.done; ) step = steps.next(apply(sql, step.value, now, released));
}

function apply(sql: Statements, step: SettleStep<SqliteEndedRow>, now: number, released: Set<string>): SqliteEndedRow[] {
  const noteReleased = (rows: ReleasedRow[]) => {
    for (const row of rows) if (row.state === "pending") released.add(row.queue);
  };
  if (step.kind === "count_batch_members") {
    const ended = JSON.stringify(step.members.map((r) => ({ batch_id: r.batch_id, state: r.state })));
    const counted = sql.count_batch_members.all({ ended }) as { id: number }[];
    if (counted.length > 0)
      noteReleased(sql.release_batch_callbacks.all({ batch_ids: JSON.stringify(counted.map((b) => b.id)), now }) as ReleasedRow[]);
    return [];
  }
  const ended = JSON.stringify(step.parents.map((r) => ({ id: r.id, state: r.state })));
  const changed = sql.release_children.all({ ended, now }) as (SqliteEndedRow & ReleasedRow)[];
  sql.resolve_dependencies.run({ ended });
  noteReleased(changed);
  return changed;
}
