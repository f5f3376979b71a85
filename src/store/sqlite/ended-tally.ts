import { isTerminal, type JobState } from "../../core/states.js";
import type { Statements } from "./statements.js";

/**
 * What one write transaction changed in the ended-job tallies (migration 010), written by
 * `flush` just before it commits: one statement for the transaction, whatever it ended,
 * replayed or deleted, and one for its plain completions, which are known by id alone.
 */
export class EndedTally {
  private readonly deltas = new Map<string, number>();
  private completedIds: number[] = [];

  /** Rows that just changed state: those now ended count in their state. */
  ended(rows: readonly { queue: string; state: JobState }[]): void {
    for (const row of rows) if (isTerminal(row.state)) this.add(row.queue, row.state, 1);
  }

  /** A job that changed no longer counts in `state`, the ended state it was in (a replay, a delete). */
  left(queue: string, state: JobState): void {
    if (isTerminal(state)) this.add(queue, state, -1);
  }

  /** Jobs this transaction completed, by id. */
  completed(ids: readonly number[]): void {
    this.completedIds.push(...ids);
  }

  flush(sql: Statements): void {
    if (this.deltas.size > 0) {
      const deltas = [...this.deltas].map(([key, n]) => [...(JSON.parse(key) as [string, string]), n]);
      sql.tally_ended_jobs.run({ deltas: JSON.stringify(deltas) });
    }
    if (this.completedIds.length > 0) sql.tally_completed_jobs.run({ ids: JSON.stringify(this.completedIds) });
    this.clear();
  }

  clear(): void {
    this.deltas.clear();
    this.completedIds = [];
  }

  private add(queue: string, state: JobState, n: number): void {
    const key = JSON.stringify([queue, state]);
    this.deltas.set(key, (this.deltas.get(key) ?? 0) + n);
  }
}
