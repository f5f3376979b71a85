import type { Errand } from "../errand.js";
import { knownOptions } from "../core/option-keys.js";
import { JOB_STATES, type JobState } from "../core/states.js";
import { emptyStateCounts } from "../store/queue-counts.js";

export interface DrainOptions {
  /** Default ["default"]. */
  queues?: string[];
  /** Default 10. */
  concurrency?: number;
  /** Fail if the queues are not idle by then. Default 10 000 ms. */
  timeoutMs?: number;
}

const DRAIN_OPTION_KEYS: ReadonlySet<string> = new Set(["queues", "concurrency", "timeoutMs"]);

/**
 * Works the queues until nothing in them is pending, running or waiting to retry (retries
 * wait out their backoff, so give test job types a short one), then stops the worker and
 * returns how many jobs of those queues are in each state. Jobs delayed into the future by
 * their producer are left alone and counted as `scheduled`.
 */
export async function drainQueue(errand: Errand, given?: DrainOptions): Promise<Record<JobState, number>> {
  // A misspelt option (`queue` for `queues`) would drain another queue and pass a test for nothing.
  const options = knownOptions(given, DRAIN_OPTION_KEYS);
  const queues = options.queues ?? ["default"];
  // Monotonic: a wall clock stepped forward must not time the drain out early.
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  const worker = errand.work({ queues, concurrency: options.concurrency ?? 10, pollIntervalMs: 10 });
  try {
    for (;;) {
      const totals = emptyStateCounts();
      for (const { counts } of await errand.store.countJobs({ queues })) {
        for (const state of JOB_STATES) totals[state] += counts[state];
      }
      if (totals.pending + totals.running + totals.retrying === 0 && worker.running === 0) return totals;
      if (performance.now() > deadline)
        throw new Error(`drainQueue: ${queues.join(", ")} not idle after ${options.timeoutMs ?? 10_000} ms: ${JSON.stringify(totals)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await worker.close({ graceMs: 0 });
  }
}
