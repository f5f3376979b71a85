import type { Lease } from "../core/job.js";
import { isTerminal, type JobState } from "../core/states.js";

/** What a terminal transition's statement returns of each row it changed (ids as the driver gives them). */
export interface EndedRow {
  id: number | string;
  state: JobState;
  flow_id: number | string | null;
  batch_id: number | string | null;
}

/**
 * A batch member replayed (failed or canceled → waiting again): its earlier ending must stop
 * counting while its batch is still open, or the batch would end one member early.
 */
export function replayedBatchMember(before: Pick<EndedRow, "state">, after: EndedRow): boolean {
  return after.batch_id !== null && isTerminal(before.state) && !isTerminal(after.state);
}

/**
 * Whether `row`, which a cancel under `lease` could not change, is the job that same cancel
 * already ended: sent again because its first reply was lost after it committed. The job keeps
 * the id of the worker that canceled it (cancel_job.sql), so it is told apart from a job
 * canceled from outside, or at another attempt.
 */
export function canceledUnderLease(row: { state: JobState; attempt: number; worker_id: string | null }, lease: Lease): boolean {
  return row.state === "canceled" && row.attempt === lease.attempt && row.worker_id === lease.workerId;
}

/** One statement a store runs to apply endings; `release_children` answers with the children it changed. */
export type SettleStep<Row extends EndedRow> =
  | { kind: "count_batch_members"; members: Row[] }
  | { kind: "release_children"; parents: Row[] };

/**
 * The steps that apply jobs' endings to what waits for them: count batch members (which
 * releases a finished batch's onComplete job), then release or cancel flow children, and
 * follow the canceled ones down the graph, wave by wave. A store runs every step in the same
 * transaction as the terminal transition itself, so a crash cannot leave a child blocked
 * forever. Rows that did not end, or belong to no flow or batch, yield no step at all.
 */
export function* settleSteps<Row extends EndedRow>(rows: readonly Row[]): Generator<SettleStep<Row>, void, Row[]> {
  let wave = rows.filter((r) => isTerminal(r.state) && (r.flow_id !== null || r.batch_id !== null));
  while (wave.length > 0) {
    const members = wave.filter((r) => r.batch_id !== null);
    if (members.length > 0) yield { kind: "count_batch_members", members };
    const parents = wave.filter((r) => r.flow_id !== null);
    if (parents.length === 0) return;
    const changed = yield { kind: "release_children", parents };
    wave = changed.filter((c) => c.state === "canceled");
  }
}
