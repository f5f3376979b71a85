import type { Errand } from "../errand.js";
import { knownOptions } from "../core/option-keys.js";
import { JOB_STATES, type JobState } from "../core/states.js";
import { emptyStateCounts } from "../store/queue-counts.js";
import { checkErrandArgument } from "./errand-argument.js";

export interface DrainOptions {
  /** Default ["default"]. */
  queues?: string[];
  /** Default 10. */
  concurrency?: number;
  /** Fail if the queues are not idle by then. Default 4 000 ms: under a test runner's usual 5 s, so its message, with the counts, is what a stuck drain shows. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 4_000;
const DRAIN_OPTION_KEYS: ReadonlySet<string> = new Set(["queues", "concurrency", "timeoutMs"]);

/**
 * Works the queues until nothing in them is pending, running or waiting to retry (retries
 * wait out their backoff, so give test job types a short one) or to run again after its handler
 * snoozed it (SnoozeJob, RateLimitedError), then stops the worker and returns how many jobs of
 * those queues are in each state. Jobs delayed into the future by their producer, which never
 * ran, are left alone and counted as `scheduled`.
 */
export async function drainQueue(errand: Errand, given?: DrainOptions): Promise<Record<JobState, number>> {
  checkErrandArgument(errand);
  // A misspelt option (`queue` for `queues`) would drain another queue and pass a test for nothing.
  const options = knownOptions(given, DRAIN_OPTION_KEYS);
  const queues = options.queues ?? ["default"];
  // Monotonic: a wall clock stepped forward must not time the drain out early.
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  // Without the cron scheduler: schedules would go on firing into the test after the drain.
  const worker = errand.workerOnly({ queues, concurrency: options.concurrency ?? 10, pollIntervalMs: 10 });
  let starts = 0;
  const stopCounting = errand.on("started", () => void starts++);
  try {
    for (;;) {
      // Idle only if nothing ran or started while the store was read: a snoozed job may become
      // due, run and be snoozed again between two reads, and be seen in neither as waiting.
      const startsBefore = starts;
      const busyBefore = worker.running > 0;
      const snoozed = await anySnoozed(errand, queues);
      const totals = emptyStateCounts();
      for (const { counts } of await errand.store.countJobs({ queues })) {
        for (const state of JOB_STATES) totals[state] += counts[state];
      }
      const waiting = totals.pending + totals.running + totals.retrying > 0 || snoozed;
      if (!waiting && !busyBefore && worker.running === 0 && starts === startsBefore) return totals;
      if (performance.now() > deadline)
        throw new Error(`drainQueue: ${queues.join(", ")} not idle after ${timeoutMs} ms: ${JSON.stringify(totals)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    stopCounting();
    await worker.close({ graceMs: 0 });
  }
}

/** Whether a scheduled job in `queues` has run before: snoozed by its handler, it will run again. */
async function anySnoozed(errand: Errand, queues: string[]): Promise<boolean> {
  for (const queue of queues) {
    let cursor: string | undefined;
    do {
      const page = await errand.listJobs({ queue, state: "scheduled", limit: 500, ...(cursor ? { cursor } : {}) });
      if (page.jobs.some((job) => job.startedAt !== null)) return true;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
  return false;
}
