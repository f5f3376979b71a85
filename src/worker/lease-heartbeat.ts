import type { Logger } from "pino";
import type { Lease } from "../core/job.js";
import type { Store } from "../store/store.js";

/**
 * Extends all of a worker's leases in one store call every `intervalMs`, and reports the
 * leases that are gone (the job was canceled, or the lease expired and was rescued).
 */
export class LeaseHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private beating = false;

  constructor(
    private readonly params: {
      store: Store;
      logger: Logger;
      intervalMs: number;
      leaseMs: number;
      leases: () => Lease[];
      onLost: (lease: Lease) => void;
    },
  ) {
    this.timer = setInterval(() => void this.beat(), params.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const leases = this.params.leases();
      if (leases.length === 0) return;
      const held = new Set(await this.params.store.extendLeases({ leases, leaseMs: this.params.leaseMs }));
      for (const lease of leases) if (!held.has(lease.jobId)) this.params.onLost(lease);
    } catch (error) {
      this.params.logger.error({ err: error }, "lease heartbeat failed; will try again");
    } finally {
      this.beating = false;
    }
  }
}
