import { settleSteps, type EndedRow, type SettleStep } from "../ended-jobs.js";
import type { Statements } from "./statements.js";

export type SqliteEndedRow = EndedRow & { id: number };

/** Applies jobs' endings (see settleSteps) inside the caller's write transaction. */
export function settleEndedJobs(sql: Statements, rows: readonly SqliteEndedRow[], now: number): void {
  const steps = settleSteps(rows);
  for (let step = steps.next(); !step.done; ) step = steps.next(apply(sql, step.value, now));
}

function apply(sql: Statements, step: SettleStep<SqliteEndedRow>, now: number): SqliteEndedRow[] {
  if (step.kind === "count_batch_members") {
    const ended = JSON.stringify(step.members.map((r) => ({ batch_id: r.batch_id, state: r.state })));
    const counted = sql.count_batch_members.all({ ended }) as { id: number }[];
    if (counted.length > 0) sql.release_batch_callbacks.run({ batch_ids: JSON.stringify(counted.map((b) => b.id)), now });
    return [];
  }
  const ended = JSON.stringify(step.parents.map((r) => ({ id: r.id, state: r.state })));
  const changed = sql.release_children.all({ ended, now }) as SqliteEndedRow[];
  sql.resolve_dependencies.run({ ended });
  return changed;
}
