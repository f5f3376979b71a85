import { settleSteps, type EndedRow, type SettleStep } from "../ended-jobs.js";
import { compareIds } from "./id-order.js";

export type PostgresEndedRow = EndedRow & { id: string };

/** Runs one of the settle statements on the transaction of the ending. */
export type SettleQuery = (
  statement: "release_children" | "count_batch_members" | "release_batch_callbacks",
  values: unknown[],
) => Promise<unknown[]>;

/** Applies jobs' endings (see settleSteps) on the caller's open transaction. */
export async function settleEndedJobs(query: SettleQuery, rows: readonly PostgresEndedRow[], channel: string): Promise<void> {
  const steps = settleSteps(rows);
  for (let step = steps.next(); !step.done; ) step = steps.next(await apply(query, step.value, channel));
}

async function apply(query: SettleQuery, step: SettleStep<PostgresEndedRow>, channel: string): Promise<PostgresEndedRow[]> {
  if (step.kind === "count_batch_members") {
    const counted = (await query("count_batch_members", [step.members.map((r) => r.batch_id), step.members.map((r) => r.state)])) as {
      id: string;
      ended: boolean;
    }[];
    const finished = counted.filter((b) => b.ended).map((b) => b.id);
    // A statement of its own: see release_batch_callbacks.sql.
    if (finished.length > 0) await query("release_batch_callbacks", [finished, channel]);
    return [];
  }
  const parents = [...step.parents].sort((a, b) => compareIds(a.id, b.id));
  return (await query("release_children", [parents.map((r) => r.id), parents.map((r) => r.state !== "completed"), channel])) as PostgresEndedRow[];
}
