import type { Logger } from "pino";
import type { JobEventBus } from "../client/event-bus.js";
import { StoreUnavailableError } from "../core/errors.js";
import { jobLogFields, type AttemptError } from "../core/job.js";
import type { Store } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";

const BATCH = 500;

/**
 * Finds running jobs whose lease expired (their worker died or hung) and hands them back:
 * retried at once, or failed if no attempts are left. Every worker process runs one; the
 * store's update is atomic, so several reapers never rescue one job twice.
 */
export class LeaseReaper {
  private readonly task: PeriodicTask;
  /** A round found the store unavailable, and none has found it back since. */
  private storeAway = false;
  /** Until this time (performance.now()), rounds leave the leases alone: the store came back lately. */
  private quietUntil = 0;

  constructor(
    private readonly params: {
      store: Store;
      events: JobEventBus;
      logger: Logger;
      intervalMs: number;
      /**
       * How long after the store comes back to leave the leases alone: long enough for every
       * live worker to extend its leases. Workers sharing a store are taken to share this
       * process's heartbeat interval; see rescueAll.
       */
      graceMs: number;
    },
  ) {
    this.task = new PeriodicTask(() => this.rescueAll(), params.intervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Runs a round now: rescues every expired lease, unless the store came back lately (see rescueAll). */
  sweep(): Promise<void> {
    return this.task.runNow();
  }

  private async rescueAll(): Promise<void> {
    const { store, events, logger } = this.params;
    try {
      if (this.storeAway) {
        // Every lease may have run out during the outage while its worker lived on, its
        // handler's outcome waiting to be stored. Rounds leave the leases alone for graceMs
        // from when the store answers again: time for those workers' heartbeats to extend
        // them. It is counted in time, not rounds, because this reaper may come round more
        // often than the heartbeats (reaperIntervalMs set below heartbeatMs).
        await store.checkWritable();
        this.storeAway = false;
        this.quietUntil = performance.now() + this.params.graceMs;
        return;
      }
      if (performance.now() < this.quietUntil) return;
      for (;;) {
        const rescued = await store.rescueExpiredLeases({ limit: BATCH });
        for (const job of rescued) {
          const error = job.errors.at(-1) as AttemptError;
          logger.warn(jobLogFields(job), job.state === "failed" ? "job lease expired with no attempts left; failed" : "job lease expired; rescued, to run again");
          if (job.state === "failed") events.emit("failed", { job, error });
          else events.emit("retrying", { job, error, runAt: job.runAt });
        }
        if (rescued.length < BATCH) return;
      }
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.storeAway = true;
      logger.error({ err: error }, "lease reaper failed; will try again");
    }
  }
}
