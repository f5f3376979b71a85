import type { Logger } from "pino";
import { leaseOf, type Job, type Lease } from "../core/job.js";
import type { Store } from "../store/store.js";

/**
 * How long before a lease may run out its handler is told it lapsed: time for the AbortSignal
 * to reach the handler, and for a timer that fires late, before any reaper may hand the job out.
 */
const LAPSE_MARGIN_MS = 1_000;

/**
 * Extends all of a worker's leases in one store call every `intervalMs`, and reports the
 * leases that are gone (the job was canceled, or the lease expired and was rescued).
 *
 * It also reports the leases it failed to extend in time (`onLapsed`): while the store is
 * unreachable no extension lands, and once a lease runs out any worker's reaper may hand the
 * job out again. Its handler must be told before then, or two runs of one job overlap. A lease
 * is sure to be held until leaseMs after its claim or last extension was sent (the store
 * counts from when it got them, later): each job's deadline is that, less a margin.
 */
export class LeaseHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private beating = false;
  /** performance.now() by which each held job's handler must have been told its lease lapsed. Weak: a job dropped in any way needs no unhooking. */
  private readonly lapsesAt = new WeakMap<Job, number>();
  private lapseTimer: NodeJS.Timeout | null = null;
  private nextLapseAt = Infinity;
  private readonly marginMs: number;

  constructor(
    private readonly params: {
      store: Store;
      logger: Logger;
      intervalMs: number;
      leaseMs: number;
      /** The jobs whose leases this worker holds: running, storing their outcome, or claimed and about to start. */
      jobs: () => Job[];
      onLost: (lease: Lease) => void;
      /** Jobs whose leases may run out before an extension lands; called once per job. */
      onLapsed: (jobs: Job[]) => void;
    },
  ) {
    this.marginMs = Math.min(LAPSE_MARGIN_MS, Math.floor(params.leaseMs / 10));
    this.timer = setInterval(() => void this.beat(), params.intervalMs);
  }

  /** Starts the lease clock of jobs just claimed, by a claim (or insert) sent at `sentAt` (performance.now()). */
  track(jobs: Job[], sentAt: number): void {
    const lapsesAt = sentAt + this.params.leaseMs - this.marginMs;
    for (const job of jobs) this.lapsesAt.set(job, lapsesAt);
    // Later claims lapse later: only a worker that held no lease needs its timer set.
    if (jobs.length > 0 && lapsesAt < this.nextLapseAt) this.armLapse(lapsesAt);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.lapseTimer !== null) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
    this.nextLapseAt = Infinity;
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    const jobs = this.params.jobs();
    if (jobs.length === 0) return;
    this.beating = true;
    const sentAt = performance.now();
    try {
      const held = new Set(await this.params.store.extendLeases({ leases: jobs.map(leaseOf), leaseMs: this.params.leaseMs }));
      const lapsesAt = sentAt + this.params.leaseMs - this.marginMs;
      for (const job of jobs) {
        if (!held.has(job.id)) this.params.onLost(leaseOf(job));
        else if (this.lapsesAt.has(job)) this.lapsesAt.set(job, lapsesAt);
      }
    } catch (error) {
      this.params.logger.error({ err: error }, "lease heartbeat failed; will try again");
    } finally {
      this.beating = false;
      this.armLapse(this.earliestLapse());
    }
  }

  private earliestLapse(): number {
    let earliest = Infinity;
    for (const job of this.params.jobs()) earliest = Math.min(earliest, this.lapsesAt.get(job) ?? Infinity);
    return earliest;
  }

  private armLapse(at: number): void {
    if (at === this.nextLapseAt) return;
    if (this.lapseTimer !== null) clearTimeout(this.lapseTimer);
    this.nextLapseAt = at;
    this.lapseTimer = at === Infinity ? null : setTimeout(() => this.lapse(), Math.max(0, at - performance.now()));
  }

  /** Reports the jobs whose deadline has come, each once, and sets the timer for the next. */
  private lapse(): void {
    this.lapseTimer = null;
    this.nextLapseAt = Infinity;
    const now = performance.now();
    const lapsed = this.params.jobs().filter((job) => (this.lapsesAt.get(job) ?? Infinity) <= now);
    for (const job of lapsed) this.lapsesAt.delete(job);
    if (lapsed.length > 0) this.params.onLapsed(lapsed);
    this.armLapse(this.earliestLapse());
  }
}
