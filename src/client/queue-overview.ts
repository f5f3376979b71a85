import { validateName } from "../core/enqueue-options.js";
import type { JobState } from "../core/states.js";
import { emptyStateCounts } from "../store/queue-counts.js";
import type { Store } from "../store/store.js";

/** A queue as `errand queues` and `GET /v1/queues` show it. */
export interface QueueOverview {
  queue: string;
  counts: Record<JobState, number>;
  paused: boolean;
}

/** Every queue with its job counts per state and whether it is paused, by name. */
export async function listQueues(store: Store): Promise<QueueOverview[]> {
  const [counts, paused] = await Promise.all([store.countJobs({}), store.listPausedQueues()]);
  const pausedSet = new Set(paused);
  // A paused queue with no jobs is still listed, so it can be seen and resumed.
  const empty = paused.filter((q) => !counts.some((c) => c.queue === q)).map((queue) => ({ queue, counts: emptyStateCounts() }));
  return [...counts, ...empty].sort((a, b) => a.queue.localeCompare(b.queue)).map((q) => ({ ...q, paused: pausedSet.has(q.queue) }));
}

/**
 * Pauses or resumes a queue for every worker on the store: no claim that starts after a pause
 * commits takes its jobs (jobs already claimed run on). Either is idempotent; a resume wakes
 * idle workers as the store can (Store.resumeQueue). The name is held to the rule enqueue holds
 * queue names to.
 */
export async function setQueuePaused(store: Store, queue: string, paused: boolean): Promise<void> {
  validateName(queue, "queue");
  await (paused ? store.pauseQueue({ queue }) : store.resumeQueue({ queue }));
}
