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

/** A claim, from when it is sent until an extension that landed covered its jobs. */
interface UnextendedClaim extends ClaimInFlight {
  /** Null while the claim is on its way; then the jobs it got. */
  jobs: readonly Job[] | null;
  /** Its jobs were reported lapsed. */
  lapsed: boolean;
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
 * store counts from when it got them, later). So no deadline is kept per job: the jobs of the
 * last extension that landed share its time, and the jobs of a claim that no extension has
 * covered yet share the claim's. A claim costs one entry while it waits for the next beat.
 */
export class LeaseHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private beating = false;
  /** A beatNow came while a beat was on its way: beat again once it is back. */
  private beatAgain = false;
  private stopped = false;
  private lastBeatFailed = false;
  /** Claims on their way, or settled but not yet in an extension that landed. */
  private readonly claims = new Set<UnextendedClaim>();
  /** When the last extension that landed was sent (performance.now()): every lease not in `claims` is held from then. */
  private heldSince: number;
  /** The leases held from heldSince were reported lapsed. */
  private heldSinceLapsed = false;
  private lapseTimer: NodeJS.Timeout | null = null;
  /** When the armed lapse timer fires (performance.now()). */
  private lapseAt = Number.POSITIVE_INFINITY;
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

  /** Call as a claim is sent; then claimSettled once it is answered or has failed. */
  claimStarting(): ClaimInFlight {
    const claim: UnextendedClaim = { sentAt: performance.now(), jobs: null, lapsed: false };
    this.claims.add(claim);
    return claim;
  }

  /**
   * `claimed`: the jobs the claim got, which must be among `jobs()` from now on; null if the
   * store did not answer. A claim that took longer than a lease may last has its jobs reported
   * lapsed at once. An answer after a beat that failed is the store back: the leases are
   * extended at once rather than at the next beat, which may come after they lapse.
   */
  claimSettled(inFlight: ClaimInFlight, claimed: readonly Job[] | null): void {
    const claim = inFlight as UnextendedClaim;
    if (claimed === null || claimed.length === 0) this.claims.delete(claim);
    else claim.jobs = claimed;
    if (claimed !== null && this.lastBeatFailed) void this.beat();
    // Only if its leases may run out before the lapse already armed (a claim per few jobs, at
    // tens of thousands of jobs a second: re-arming for each would cost a timer and a walk of
    // every claim held).
    if (claimed !== null && claimed.length > 0 && (this.lapseTimer === null || claim.sentAt + this.lapseAfterMs < this.lapseAt)) this.armLapse();
  }

  stop(): void {
    // A beat still on its way must not set the lapse timer again: it would hold the process open.
    this.stopped = true;
    clearInterval(this.timer);
    if (this.lapseTimer !== null) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
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
    // Claims settled by now have their jobs among `jobs`; those still on their way do not.
    const covered = [...this.claims].filter((claim) => claim.jobs !== null);
    if (jobs.length === 0) {
      this.lastBeatFailed = false;
      return this.extended(sentAt, covered);
    }
    this.beating = true;
    try {
      const held = new Set(await this.params.store.extendLeases({ leases: jobs.map(leaseOf), leaseMs: this.params.leaseMs }));
      this.lastBeatFailed = false;
      const newest = newestAttempts(jobs);
      for (const job of jobs) if (!held.has(job.id) || job.attempt < newest.get(job.id)!) this.params.onLost(leaseOf(job));
      this.extended(sentAt, covered);
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

  /** An extension sent at `sentAt` landed, for every lease held then, `covered`'s jobs among them. */
  private extended(sentAt: number, covered: UnextendedClaim[]): void {
    for (const claim of covered) this.claims.delete(claim);
    if (sentAt > this.heldSince) {
      this.heldSince = sentAt;
      this.heldSinceLapsed = false;
    }
    this.armLapse();
  }

  /** When the next lease not yet reported may run out, less the margin; null: none held. */
  private nextLapse(): number | null {
    let at = this.heldSinceLapsed ? Number.POSITIVE_INFINITY : this.heldSince;
    for (const claim of this.claims) if (claim.jobs !== null && !claim.lapsed) at = Math.min(at, claim.sentAt);
    return at === Number.POSITIVE_INFINITY ? null : at + this.lapseAfterMs;
  }

  private armLapse(): void {
    if (this.lapseTimer !== null) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
    const at = this.nextLapse();
    this.lapseAt = at ?? Number.POSITIVE_INFINITY;
    if (this.stopped || at === null) return;
    this.lapseTimer = setTimeout(() => this.lapse(), Math.max(0, at - performance.now()));
  }

  /** No extension landed in time for some leases: report them, each once. */
  private lapse(): void {
    this.lapseTimer = null;
    const now = performance.now();
    const held = new Set(this.params.jobs());
    const lapsed: Job[] = [];
    // The jobs of claims no extension covered yet are held from their claim's time, not heldSince.
    const ownTime = new Set<Job>();
    for (const claim of this.claims) {
      if (claim.jobs === null) continue;
      const due = claim.sentAt + this.lapseAfterMs <= now;
      for (const job of claim.jobs) {
        ownTime.add(job);
        if (due && !claim.lapsed && held.has(job)) lapsed.push(job);
      }
      if (due) claim.lapsed = true;
    }
    if (!this.heldSinceLapsed && this.heldSince + this.lapseAfterMs <= now) {
      this.heldSinceLapsed = true;
      for (const job of held) if (!ownTime.has(job)) lapsed.push(job);
    }
    const unreported = lapsed.filter((job) => !this.reported.has(job));
    for (const job of unreported) this.reported.add(job);
    this.armLapse();
    if (unreported.length > 0) this.params.onLapsed(unreported);
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
