import { JOB_STATES, type JobState } from "../core/states.js";
import type { QueueCounts } from "./store.js";

/** Zero for every state, so a queue's counts always list all of them. */
export function emptyStateCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
}

/** Folds (queue, visible state, count) rows, as both stores' count_jobs return them, into per-queue counts sorted by queue. */
export function tallyQueueCounts(rows: { queue: string; visible_state: JobState; n: number }[]): QueueCounts[] {
  const byQueue = new Map<string, Record<JobState, number>>();
  for (const row of rows) {
    let counts = byQueue.get(row.queue);
    if (!counts) byQueue.set(row.queue, (counts = emptyStateCounts()));
    counts[row.visible_state] += Number(row.n);
  }
  return [...byQueue].map(([queue, counts]) => ({ queue, counts })).sort((a, b) => a.queue.localeCompare(b.queue));
}
