import type { Logger } from "pino";
import { leaseOf, type Job, type Lease } from "../core/job.js";
import type { Store } from "../store/store.js";

/**
 * How long before a lease may run out its handler is told it lapsed: time for the AbortSignal
 * to reach the handler, and for a timer that fires late, before any reaper may hand the job out.
 */
const LAPSE_MARGIN_MS = 1_000;

/** When, after its last extension, a lease is reported lapsed: leaseMs less a tenth of it, at most 1 s. */
export function lapseAfterMs(leaseMs: number): number {
  return leaseMs - Math.min(LAPSE_MARGIN_MS, Math.floor(leaseMs / 10));
}

/** A claim (or an insert of a job already claimed) on its way to the store, and when it was sent. */
export interface ClaimInFlight {
  readonly sentAt: number;
}

/**
 * Extends all of a worker's leases in one store call every `intervalMs`, and reports the
 * leases that are gone (the job was canceled, or the lease expired and was rescued).
 *
 * It also reports the leases it failed to extend in time (`onLapsed`): while the store is
 * unreachable no extension lands, and once a lease runs out any worker's reaper may hand the
 * job out again. Its handler must be told before then, or two runs of one job overlap.
 *
 * A lease is sure to be held until leaseMs after its claim or last extension was sent (the
 * store counts from when it got them, later). One time bounds every lease the worker holds:
 * that of its last extension that succeeded, or of an earlier claim that was on its way then
 * (its jobs were not in that extension); a claim sent since ends later. So no deadline is kept
 * per job, and a claim costs a set entry, not one per job.
 */
export class LeaseHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private beating = false;
  /** A beatNow came while a beat was on its way: beat again once it is back. */
  private beatAgain = false;
  private stopped = false;
  private lastBeatFailed = false;
  private readonly claimsInFlight = new Set<ClaimInFlight>();
  /** Every lease held now or claimed from now on was claimed or extended at this time or later (performance.now()). */
  private heldSince: number;
  private lapseTimer: NodeJS.Timeout | null = null;
  /** Jobs already reported lapsed: a handler that ignores its abort is not reported again. */
  private readonly reported = new WeakSet<Job>();
  private readonly lapseAfterMs: number;

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
    this.lapseAfterMs = lapseAfterMs(params.leaseMs);
    this.heldSince = performance.now();
    this.armLapse();
    this.timer = setInterval(() => void this.beat(), params.intervalMs);
  }

  /** Call as a claim is sent; its jobs must be among `jobs()` by the time claimSettled is called. */
  claimStarting(): ClaimInFlight {
    const claim = { sentAt: performance.now() };
    this.claimsInFlight.add(claim);
    return claim;
  }

  /**
   * `answered`: the store answered the claim. After a beat that failed, that is the store back:
   * the leases are extended at once rather than at the next beat, which may come after they lapse.
   */
  claimSettled(claim: ClaimInFlight, answered: boolean): void {
    this.claimsInFlight.delete(claim);
    if (answered && this.lastBeatFailed) void this.beat();
  }

  stop(): void {
    // A beat still on its way must not set the lapse timer again: it would hold the process open.
    this.stopped = true;
    clearInterval(this.timer);
    if (this.lapseTimer !== null) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
  }

  /** The time from which a lease held from now on is sure to be held: now, or an earlier claim still on its way. */
  private earliestUnextended(now: number): number {
    let earliest = now;
    for (const claim of this.claimsInFlight) earliest = Math.min(earliest, claim.sentAt);
    return earliest;
  }

  /**
   * Extends (and so checks) every lease now rather than at the next beat: a lease may have been
   * lost (a cancel elsewhere). One asked for while a beat is on its way follows it, since that
   * beat may have read the leases before the loss.
   */
  beatNow(): void {
    if (this.beating) this.beatAgain = true;
    else void this.beat();
  }

  private async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    const sentAt = performance.now();
    const jobs = this.params.jobs();
    const from = this.earliestUnextended(sentAt);
    if (jobs.length === 0) {
      this.lastBeatFailed = false;
      return this.heldFrom(from);
    }
    this.beating = true;
    try {
      const held = new Set(await this.params.store.extendLeases({ leases: jobs.map(leaseOf), leaseMs: this.params.leaseMs }));
      this.lastBeatFailed = false;
      const newest = newestAttempts(jobs);
      for (const job of jobs) if (!held.has(job.id) || job.attempt < newest.get(job.id)!) this.params.onLost(leaseOf(job));
      this.heldFrom(from);
    } catch (error) {
      this.lastBeatFailed = true;
      this.params.logger.error({ err: error }, "lease heartbeat failed; will try again");
    } finally {
      this.beating = false;
    }
    if (this.beatAgain) {
      this.beatAgain = false;
      void this.beat();
    }
  }

  private heldFrom(time: number): void {
    if (time <= this.heldSince) return;
    this.heldSince = time;
    this.armLapse();
  }

  private armLapse(): void {
    if (this.lapseTimer !== null) clearTimeout(this.lapseTimer);
    if (this.stopped) return;
    const at = this.heldSince + this.lapseAfterMs;
    this.lapseTimer = setTimeout(() => this.lapse(), Math.max(0, at - performance.now()));
  }

  /** No extension landed in time: every lease held may be about to run out. */
  private lapse(): void {
    this.lapseTimer = null;
    const lapsed = this.params.jobs().filter((job) => !this.reported.has(job));
    for (const job of lapsed) this.reported.add(job);
    // Leases claimed from now on are reported when they lapse in turn.
    this.heldSince = this.earliestUnextended(performance.now());
    this.armLapse();
    if (lapsed.length > 0) this.params.onLapsed(lapsed);
  }
}

/**
 * The newest claim of each job among `jobs`. A worker can hold two claims of one job (a run that
 * timed out, winding down, beside its retry's run); the store answers by job id, and only the
 * newest claim's lease can be held: the job's row records one attempt, the newest.
 */
function newestAttempts(jobs: Job[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const job of jobs) newest.set(job.id, Math.max(newest.get(job.id) ?? 0, job.attempt));
  return newest;
}
