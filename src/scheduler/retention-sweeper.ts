import type { Logger } from "pino";
import { setImmediate as yieldToEvents } from "node:timers/promises";
import type { RetentionPolicy } from "../core/retention.js";
import { TERMINAL_STATES } from "../core/states.js";
import type { Store } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";

/** The maintenance lease retention runs under, in every process sharing a store. */
export const RETENTION_LEASE = "retention";

/**
 * Deletes ended jobs past their retention every `policy.intervalMs`, in small batches (each
 * its own short transaction). Every process that works jobs runs one, but only the holder of
 * the store's retention lease sweeps: the others find it taken and wait for the next round.
 * The lease is renewed between batches and lapses by itself if its holder dies.
 */
export class RetentionSweeper {
  private readonly task: PeriodicTask;
  private readonly leaseMs: number;
  private lastDeleted = 0;
  private stopped = false;

  constructor(
    private readonly params: { store: Store; logger: Logger; policy: RetentionPolicy; holder: string },
  ) {
    // Long enough that renewal between batches never races its expiry, short enough that a
    // crashed holder's turn passes to another process within about one interval.
    this.leaseMs = Math.max(30_000, params.policy.intervalMs);
    this.task = new PeriodicTask(async () => {
      this.lastDeleted = await this.sweepUnderLease();
    }, params.policy.intervalMs);
    void this.task.runNow();
  }

  /** Stops sweeping: waits for a sweep under way to finish its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
  }

  /** Runs one sweep now (or joins the one under way); resolves to how many jobs it deleted. */
  async sweep(): Promise<number> {
    await this.task.runNow();
    return this.lastDeleted;
  }

  private async sweepUnderLease(): Promise<number> {
    const { store, logger, holder } = this.params;
    const lease = { name: RETENTION_LEASE, holder };
    let deleted = 0;
    try {
      if (this.stopped || !(await store.takeMaintenanceLease({ ...lease, leaseMs: this.leaseMs }))) return 0;
      try {
        deleted = await this.deleteExpired();
      } finally {
        await store.releaseMaintenanceLease(lease);
      }
      if (deleted > 0) logger.info({ deleted }, "retention deleted ended jobs");
    } catch (error) {
      logger.error({ err: error }, "retention sweep failed; will try again");
    }
    return deleted;
  }

  private async deleteExpired(): Promise<number> {
    const { store, policy, holder } = this.params;
    let deleted = 0;
    for (const state of TERMINAL_STATES) {
      const { maxAgeMs, maxCount } = policy.rules[state];
      if (maxAgeMs === null && maxCount === null) continue;
      for (;;) {
        const n = await store.deleteEndedJobs({ state, olderThanMs: maxAgeMs, keepNewest: maxCount, limit: policy.batchSize });
        deleted += n;
        if (n < policy.batchSize || this.stopped) break;
        // Between batches: let this process's own claims and completions in, and keep the
        // lease; if it was lost (this process stalled past it), another process sweeps now.
        await yieldToEvents();
        if (!(await store.takeMaintenanceLease({ name: RETENTION_LEASE, holder, leaseMs: this.leaseMs }))) return deleted;
      }
    }
    return deleted;
  }
}
