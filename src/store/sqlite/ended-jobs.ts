import { settleSteps, type EndedRow, type SettleStep } from "../ended-jobs.js";
import type { EndedTally } from "./ended-tally.js";
import type { Statements } from "./statements.js";

export type SqliteEndedRow = EndedRow & { id: number; queue: string };
type ReleasedRow = { queue: string; state: string };

/** What a write transaction gathers as it goes, for the store to apply around its commit. */
export interface WriteEffects {
  /** Queues of jobs it made pending, announced once committed. */
  released: Set<string>;
  /** Its changes to the ended-job tallies, written before it commits. */
  tally: EndedTally;
}

/**
 * Applies jobs' endings (see settleSteps) inside the caller's write transaction: tallies the
 * ended ones among `rows` and the children their endings cancel, and notes the queues of jobs
 * made pending.
 */
export function settleEndedJobs(sql: Statements, rows: readonly SqliteEndedRow[], now: number, effects: WriteEffects): void {
  effects.tally.ended(rows);
  const steps = settleSteps(rows);
  for (let step = steps.next(); !step.done; ) step = steps.next(apply(sql, step.value, now, effects));
}

function apply(sql: Statements, step: SettleStep<SqliteEndedRow>, now: number, { released, tally }: WriteEffects): SqliteEndedRow[] {
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
  tally.ended(changed);
  return changed;
}
