import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { JobEventBus } from "../client/event-bus.js";
import type { SlotReservation } from "../client/slot-reservation.js";
import { JobCanceledError, LeaseLapsedError, LeaseLostError, WorkerShutdownError } from "../core/errors.js";
import type { JobHandler } from "../core/handler.js";
import { limitCounts, type ClaimLimit } from "../core/limits.js";
import { claimKey, claimOf, isClaimableOnInsert, jobLogFields, leaseOf, type ClaimedJob, type Job, type JobId, type Lease, type NewJob } from "../core/job.js";
import type { PayloadLimits } from "../core/payload.js";
import { LeaseReaper } from "../scheduler/lease-reaper.js";
import type { Store } from "../store/store.js";
import { BatchAssembler, type Batch, type BatchSpec } from "./batch-assembler.js";
import { BatchRun } from "./batch-run.js";
import { DueWakeups } from "./due-wakeups.js";
import { JobRun, type JobRunDeps } from "./job-run.js";
import { LeaseHeartbeat } from "./lease-heartbeat.js";
import { PrefetchBuffer } from "./prefetch-buffer.js";
import { Wakeup } from "./wakeup.js";
import { badCloseOptions, resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from "./worker-options.js";

/**
 * How many jobs may wait for their outcome's commit beyond one per slot. Room for the store's
 * completion commits in flight (PostgreSQL keeps two) to carry a few hundred outcomes each
 * while the next ones gather: with room for only about one commit's worth, fast jobs wait on
 * each commit in turn (process_c50 on PostgreSQL, 2 cores: 100 gave 20–25k jobs/s, 800 gave
 * 24–36k in the same minutes). Counted in jobs, so batch handler calls, which carry many each,
 * fall back to CALLS_UNRECORDED_BEYOND_SLOTS calls, as many jobs as they could hold before.
 */
const UNRECORDED_BEYOND_SLOTS = 800;
const CALLS_UNRECORDED_BEYOND_SLOTS = 100;

/**
 * Claims under way at once. With one, fast jobs drain the buffer in a few milliseconds and the
 * slots then wait out the rest of the claim's round trip (on PostgreSQL, 2 cores, process_c50:
 * the buffer was empty with slots free for most of the run). With two, the buffer's half and
 * the claim under way count together: a claim of half the target starts at the half mark, and
 * once the buffer has drained, while the slots are still busy, the next one starts beside it
 * (process_c50: about 4 claims in 5). Starting it earlier, for fewer jobs, was slower: more
 * claims, each with its own fixed cost.
 */
const CLAIMS_IN_FLIGHT = 2;

export interface WorkerDeps {
  store: Store;
  events: JobEventBus;
  logger: Logger;
  payloadLimits: PayloadLimits;
  handlerFor: (type: string) => TypeHandler | null;
  /** The rate limits and concurrency caps on jobs of these queues, enforced by every claim. */
  claimLimits?: (queues: string[]) => readonly ClaimLimit[];
  /**
   * The most jobs one handler call takes in these queues: the largest batch size of their batch
   * types, 1 if none. A free slot may take that many limited or grouped jobs, or a batch type
   * under a limit would get a batch of one job per free slot.
   */
  jobsPerSlot?: (queues: string[]) => number;
}

/** A claim to make: how many jobs, and of them limited or grouped ones, for how many free slots. */
interface ClaimDue {
  want: number;
  restrictedSlots: number;
  restrictedLimit: number;
}

/** How a worker runs a job type: one job per handler call, or up to `size` per batch handler call. */
export type TypeHandler = { kind: "single"; handler: JobHandler<unknown, unknown> } | ({ kind: "batch" } & BatchSpec);

/**
 * Claims jobs in batches sized to its free slots plus a small prefetch buffer, and runs their
 * handlers, at most `concurrency` at once, until closed.
 *
 * A batch handler's call takes one slot, however many jobs it carries: a slot is one handler
 * call in flight (one provider request, one statement), which is what `concurrency` limits.
 * Its jobs count in the prefetch buffer's handler time at their share of the call, so the
 * buffer claims enough to fill batches without holding more than its usual window of work.
 */
export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly options: ResolvedWorkerOptions;
  /** Runs by claim (claimKey): a timed-out run winding down and its retry's run are two. */
  private readonly runs = new Map<string, JobRun>();
  private readonly prefetched: PrefetchBuffer;
  private readonly batches: BatchAssembler;
  private handlersRunning = 0;
  /** Handler calls whose outcomes are not all stored yet (a batch counts once). */
  private callsUnrecorded = 0;
  /** The jobs of those calls not stored yet. */
  private jobsUnrecorded = 0;
  private readonly wakeup = new Wakeup();
  /** Wakes the loop as jobs heard of in this process fall due (delayed, retrying, snoozed). */
  private readonly due = new DueWakeups(() => this.wakeup.notify());
  /** The claims under way, and what they asked for: all jobs, and of them limited or grouped ones. */
  private claimsUnderWay = 0;
  private jobsBeingClaimed = 0;
  /** Free slots promised to claims under way for limited or grouped jobs. */
  private restrictedSlotsBeingClaimed = 0;
  /**
   * The wake-up count as of which the queues hold nothing for this worker: that of the start of
   * its last claim, if it came back short. Null after a full or failed claim. While it matches
   * the count, no job has been heard of since, and a job this process enqueues may start here
   * without a claim (reserveSlotFor).
   */
  private drainedAsOf: number | null = null;
  /** Slots held for jobs this process is inserting already claimed, until each insert settles. */
  private readonly reservations = new Set<Promise<void>>();
  /** Handler calls settled so far: a claim that comes back short looks again if slots freed meanwhile. */
  private slotsFreed = 0;
  /** What each run is given: the worker's deps, and the signal that ends its tries to record an outcome. */
  private readonly runDeps: JobRunDeps;
  private readonly recordingGiveUp = new AbortController();
  private readonly heartbeat: LeaseHeartbeat;
  private readonly reaper: LeaseReaper;
  private readonly unsubscribe: (() => void)[];
  private readonly noticeSubscriptions: Promise<() => Promise<void>>;
  private readonly loopDone: Promise<void>;
  private stopping = false;
  private closing: Promise<void> | null = null;
  /** When close() stops waiting for in-flight jobs (Date.now() time); a later close may bring it forward. */
  private graceEndsAt = Number.POSITIVE_INFINITY;
  /** Set while shutdown waits out the grace: re-times its end after endGraceBy. */
  private rearmGrace: (() => void) | null = null;
  /** When the last look for lost leases began, and whether one is under way (see lookForLostLeases). */
  private lostLeasesLookedAt = 0;
  private lookingForLostLeases = false;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkerOptions = {},
  ) {
    this.options = resolveWorkerOptions(options);
    this.prefetched = new PrefetchBuffer(this.options.concurrency, this.options.prefetch);
    this.batches = new BatchAssembler(() => this.startBuffered());
    // Every run whose outcome waits out a store outage listens to it: hundreds at once is normal.
    setMaxListeners(0, this.recordingGiveUp.signal);
    this.runDeps = { ...deps, recordingGivenUp: this.recordingGiveUp.signal, snoozed: (job, delayMs) => this.dueIn(job, delayMs) };
    const { store, events, logger } = deps;
    this.heartbeat = new LeaseHeartbeat({
      store,
      logger,
      intervalMs: this.options.heartbeatMs,
      leaseMs: this.options.leaseMs,
      jobs: () => this.heldJobs(),
      onLost: (lease) => void this.onLeaseLost(lease),
      onLapsed: (jobs) => this.onLeasesLapsed(jobs),
    });
    this.reaper = new LeaseReaper({
      store,
      events,
      logger,
      intervalMs: this.options.reaperIntervalMs,
      // Two heartbeats: a worker whose first beat after an outage fails (a pooled connection
      // the outage broke) still extends its leases with the second.
      graceMs: 2 * this.options.heartbeatMs,
    });
    this.unsubscribe = [
      events.on("enqueued", ({ job }) => {
        // A job enqueued running was inserted already claimed by a worker here: none to look for.
        if (job.state === "scheduled") this.dueIn(job, job.runAt.getTime() - job.createdAt.getTime());
        else if (job.state !== "running" && this.options.queues.includes(job.queue)) this.wakeup.notify();
      }),
      // Both times are the store's: their difference holds whatever its clock is to this one's.
      events.on("retrying", ({ job, error, runAt }) => this.dueIn(job, runAt.getTime() - error.at.getTime())),
      // A cancel made in this process reaches the handler at once; one made elsewhere, as its
      // notice arrives where the store sends them (PostgreSQL), else at the next heartbeat.
      events.on("canceled", ({ job }) => {
        if (!this.dropUnstarted(job)) this.runs.get(claimKey(job))?.abort(new JobCanceledError());
      }),
    ];
    this.noticeSubscriptions = this.subscribeToNotices();
    this.loopDone = this.claimLoop();
  }

  /** Jobs this worker holds: running, storing their outcome, or claimed and about to start. */
  get running(): number {
    return this.runs.size + this.prefetched.size + this.batches.size;
  }

  /**
   * Holds no job, no claim is under way, and its last claim found nothing more waiting for it,
   * with no job heard of since: a job enqueued in this process now starts here on insert.
   */
  get idle(): boolean {
    return this.running === 0 && this.claimsUnderWay === 0 && this.drainedAsOf === this.wakeup.notices;
  }

  /**
   * Stops claiming, lets in-flight jobs finish for up to `graceMs`, then aborts the rest and
   * returns them to the queue. Safe to call more than once; a later call with a shorter
   * `graceMs` ends the wait sooner.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    const refused = badCloseOptions(options);
    if (refused) return Promise.reject(refused);
    // A second close with a shorter grace (a second SIGTERM) brings the end of the first's forward.
    if (this.closing === null || options.graceMs !== undefined)
      this.endGraceBy(Date.now() + (options.graceMs ?? this.options.shutdownGraceMs));
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Moves the end of the shutdown's grace to `at`, if that is sooner. */
  private endGraceBy(at: number): void {
    if (at >= this.graceEndsAt) return;
    this.graceEndsAt = at;
    this.rearmGrace?.();
  }

  private async claimLoop(): Promise<void> {
    // For shutdown only: the loop gates on claimsUnderWay, which a claim lowers before its
    // wake-up, where this set loses the claim a microtask after it.
    const claims = new Set<Promise<void>>();
    while (!this.stopping) {
      this.lookForLostLeases();
      const due = this.claimDue();
      if (due !== null) {
        const claim = this.claim(due).finally(() => claims.delete(claim));
        claims.add(claim);
        continue;
      }
      if (!this.stopping) await this.wakeup.wait(this.options.pollIntervalMs);
    }
    // Shutdown hands back what is buffered: it must include what these claims bring.
    await Promise.all(claims);
  }

  /** The claim to start now, if one is due: how many jobs, and of them limited or grouped ones. */
  private claimDue(): ClaimDue | null {
    if (this.claimsUnderWay >= CLAIMS_IN_FLIGHT) return null;
    const free = this.options.concurrency - this.handlersRunning;
    const target = this.prefetched.target();
    // Jobs that a claim under way may bring count as buffered already.
    const buffered = this.prefetched.size + this.jobsBeingClaimed;
    // A slot of a batch type's queue runs a batch: it wants that many jobs, not one at a time.
    const perSlot = this.deps.jobsPerSlot?.(this.options.queues) ?? 1;
    // Claim when a slot would otherwise idle, or when the buffer has run half empty.
    const want = free * perSlot + target - buffered;
    if (want <= 0 || !((free > 0 && buffered === 0) || buffered <= target / 2)) return null;
    // Limited and grouped jobs only for free slots not already promised to a claim under way:
    // prefetched, they would hold a limited start or their group's turn while other workers
    // sit idle. A slot of a batch type's queue takes a batch of them.
    const restrictedSlots = Math.max(0, free - this.restrictedSlotsBeingClaimed);
    return { want, restrictedSlots, restrictedLimit: restrictedSlots * perSlot };
  }

  /** One claim of `want` jobs; never rejects. */
  private async claim({ want, restrictedSlots, restrictedLimit }: ClaimDue): Promise<void> {
    const { store, logger } = this.deps;
    const noticesBefore = this.wakeup.notices;
    const slotsFreedBefore = this.slotsFreed;
    this.claimsUnderWay++;
    this.jobsBeingClaimed += want;
    this.restrictedSlotsBeingClaimed += restrictedSlots;
    let full = false;
    let claimed: ClaimedJob[] | null = null;
    const inFlight = this.heartbeat.claimStarting();
    try {
      const jobs = await store.claimJobs({
        queues: this.options.queues,
        limit: want,
        workerId: this.id,
        leaseMs: this.options.leaseMs,
        limits: this.deps.claimLimits?.(this.options.queues),
        restrictedLimit,
      });
      claimed = jobs;
      this.prefetched.push(jobs);
      full = jobs.length === want;
      this.drainedAsOf = full ? null : noticesBefore;
    } catch (error) {
      logger.error({ err: error }, "claiming jobs failed; will try again");
      this.drainedAsOf = null;
    } finally {
      this.heartbeat.claimSettled(inFlight, claimed);
      this.claimsUnderWay--;
      this.jobsBeingClaimed -= want;
      this.restrictedSlotsBeingClaimed -= restrictedSlots;
    }
    this.startBuffered();
    // A full claim may have left more behind. A wake-up that came while this claim was under
    // way may be for a job it did not see, and the loop may have spent that wake-up deciding
    // that this claim would do; a slot that freed meanwhile was counted on this claim's jobs,
    // which came back short: look again. Not after a failure: two failing claims would wake
    // each other without end while the store is down; the poll interval paces the retries.
    const changed = this.wakeup.notices !== noticesBefore || this.slotsFreed !== slotsFreedBefore;
    if (claimed !== null && (full || changed)) this.wakeup.notify();
  }

  /**
   * Holds a slot for a job this process is about to enqueue, if this worker would start it at
   * once: it works the job's queue and type with a plain handler, no limit counts the job, its
   * last claim found nothing more with no job heard of since, and a slot is free that no claim
   * counts on. The job is then inserted already claimed by this worker (Store.insertClaimedJob)
   * and starts one round trip sooner than through a claim. Null: enqueue it the usual way.
   */
  reserveSlotFor(job: NewJob): SlotReservation | null {
    if (!this.startsOnInsert(job)) return null;
    // Sent before the insert is: its lease counts from no earlier.
    const inFlight = this.heartbeat.claimStarting();
    this.jobsBeingClaimed++;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.reservations.add(settled);
    let open = true;
    const end = (inserted: ClaimedJob | null) => {
      if (!open) return;
      open = false;
      this.jobsBeingClaimed--;
      this.reservations.delete(settled);
      const claimedHere = inserted !== null && inserted.state === "running" && inserted.workerId === this.id;
      if (claimedHere) {
        this.prefetched.push([inserted]);
        this.startBuffered();
      } else if (this.claimDue() !== null) {
        this.wakeup.notify();
      }
      // After the push: the beat this may send reads the held jobs at once.
      this.heartbeat.claimSettled(inFlight, inserted === null ? null : claimedHere ? [inserted] : []);
      settle();
    };
    return { workerId: this.id, leaseMs: this.options.leaseMs, take: end, release: () => end(null) };
  }

  private startsOnInsert(job: NewJob): boolean {
    if (this.stopping || this.claimsUnderWay > 0 || this.drainedAsOf !== this.wakeup.notices) return false;
    if (!this.options.queues.includes(job.queue) || !isClaimableOnInsert(job)) return false;
    // A keyed insert may wait on its key while another transaction holds it uncommitted
    // (PostgreSQL): the slot held for it would wait as long, and every lease of this worker
    // would count from that insert's start (LeaseHeartbeat dates a claim's leases from when it was sent).
    if (job.idempotencyKey !== null) return false;
    if (this.deps.handlerFor(job.type)?.kind !== "single") return false;
    const limits = this.deps.claimLimits?.(this.options.queues) ?? [];
    if (limits.some((l) => limitCounts(l, job))) return false;
    const promised = this.handlersRunning + this.prefetched.size + this.batches.size + this.jobsBeingClaimed;
    return promised < this.options.concurrency && this.roomToRecord();
  }

  /** A job of this process's that waits `delayMs` (from its write) before it may be claimed. */
  private dueIn(job: Job, delayMs: number): void {
    if (!this.stopping && this.options.queues.includes(job.queue)) this.due.add(delayMs);
  }

  private startBuffered(): void {
    // Outcomes still being stored are capped too: if the store falls behind, the worker stops
    // starting jobs instead of piling up thousands of finished-but-unrecorded runs.
    while (this.handlersRunning < this.options.concurrency && this.roomToRecord() && !this.stopping) {
      // Batches whose wait is over go first: a rare batch type is not starved by a busy buffer.
      const batch = this.batches.takeFull() ?? this.batches.takeDue();
      if (batch !== undefined) {
        this.startBatch(batch);
        continue;
      }
      const job = this.prefetched.take();
      if (job === undefined) return;
      const typeHandler = this.deps.handlerFor(job.type);
      if (typeHandler?.kind === "batch") this.batches.add(job, typeHandler);
      else this.startSingle(job, typeHandler?.handler ?? missingHandler);
    }
  }

  private roomToRecord(): boolean {
    const { concurrency } = this.options;
    return (
      this.jobsUnrecorded < concurrency + Math.max(concurrency, UNRECORDED_BEYOND_SLOTS) ||
      this.callsUnrecorded < concurrency + Math.max(concurrency, CALLS_UNRECORDED_BEYOND_SLOTS)
    );
  }

  /**
   * Listens where the store offers it (PostgreSQL): jobs enqueued by other processes wake this
   * worker at once (polling stays the fallback), and a cancel made elsewhere of a job it holds
   * has it extend every lease now, so the lost one is dropped if it has not started, or its
   * handler's signal fires (else the next heartbeat finds it). Resolves to what stops both.
   */
  private async subscribeToNotices(): Promise<() => Promise<void>> {
    const { store } = this.deps;
    const stops = await Promise.all([
      this.listen("new jobs", "polling only", store.subscribeToNewJobs?.bind(store), (queue) => {
        if (queue === null || this.options.queues.includes(queue)) this.wakeup.notify();
      }),
      this.listen("cancels", "other processes' cancels reach its jobs at the next heartbeat", store.subscribeToCanceledJobs?.bind(store), (ids) => {
        if (this.running > 0 && (ids === null || ids.some((id) => this.holdsJob(id)))) this.heartbeat.beatNow();
      }),
    ]);
    return async () => void (await Promise.all(stops.map((stop) => stop?.())));
  }

  /** One subscription, if the store offers it; one that fails is logged with what the worker does without it. */
  private async listen<T>(
    what: string,
    without: string,
    subscribe: ((listener: (notice: T) => void) => Promise<() => Promise<void>>) | undefined,
    listener: (notice: T) => void,
  ): Promise<(() => Promise<void>) | null> {
    if (subscribe === undefined) return null;
    try {
      return await subscribe(listener);
    } catch (error) {
      this.deps.logger.warn({ err: error }, `could not listen for ${what}; ${without}`);
      return null;
    }
  }

  /**
   * Where the store sends no cancel notices but can say cheaply which leases are lost (SQLite),
   * looks once a poll interval while this worker holds jobs: a cancel made in another process is
   * then found within about `pollIntervalMs`, not at the next heartbeat. A lost lease has the
   * heartbeat extend every lease now, which drops its job if it has not started, or fires its
   * handler's signal.
   */
  private lookForLostLeases(): void {
    const { store, logger } = this.deps;
    if (store.lostLeases === undefined || this.lookingForLostLeases || this.running === 0) return;
    const now = performance.now();
    if (now - this.lostLeasesLookedAt < this.options.pollIntervalMs) return;
    this.lostLeasesLookedAt = now;
    this.lookingForLostLeases = true;
    void store
      .lostLeases({ leases: this.heldJobs().map(leaseOf) })
      .then((lost) => lost.length > 0 && this.heartbeat.beatNow())
      // The heartbeat finds the same in its time; it reports the store's failures.
      .catch((error: unknown) => logger.debug({ err: error }, "could not look for lost leases"))
      .finally(() => (this.lookingForLostLeases = false));
  }

  /** The jobs whose leases this worker holds: running, storing their outcome, or claimed and about to start. */
  private heldJobs(): Job[] {
    return [...[...this.runs.values()].map((r) => r.job), ...this.prefetched.held(), ...this.batches.held()];
  }

  /** Whether this worker holds a claim of job `id`: running, storing its outcome, or about to start. */
  private holdsJob(id: JobId): boolean {
    for (const run of this.runs.values()) if (run.job.id === id) return true;
    return this.prefetched.held().some((job) => job.id === id) || this.batches.held().some((job) => job.id === id);
  }

  private startSingle(job: ClaimedJob, handler: JobHandler<unknown, unknown>): void {
    const run = JobRun.of(job, handler, this.runDeps);
    this.track([run], run.settled);
  }

  private startBatch(batch: Batch): void {
    const run = new BatchRun(batch.jobs, batch.spec.handler, this.runDeps);
    this.track(run.runs, run.settled);
  }

  /**
   * Holds a slot for one handler call (one job's, or a batch's) until `settled`, its handler's.
   * A slot frees when the handler settles (a zombie that ignores its abort keeps it), so the
   * next claim overlaps with storing the outcomes. Each run stays in `runs`, heartbeated and
   * awaited by shutdown, until its outcome is stored too.
   */
  private track(runs: JobRun[], settled: Promise<void>): void {
    for (const run of runs) this.runs.set(claimKey(run.job), run);
    this.handlersRunning++;
    this.callsUnrecorded++;
    this.jobsUnrecorded += runs.length;
    const startedAt = performance.now();
    void settled.then(() => {
      this.handlersRunning--;
      this.slotsFreed++;
      this.prefetched.recordHandlerDuration((performance.now() - startedAt) / runs.length);
      this.startBuffered();
      // Only when a claim is due: at concurrency 1, waking the loop for every job to find
      // nothing to do cost it a timer and a promise per job.
      if (this.claimDue() !== null) this.wakeup.notify();
    });
    let unstored = runs.length;
    const stored = (run: JobRun) => {
      this.runs.delete(claimKey(run.job));
      if (--unstored > 0) return;
      this.callsUnrecorded--;
      this.jobsUnrecorded -= runs.length;
      this.startBuffered();
      // A grouped or capped job's stored ending is what lets the next one in (its group's
      // turn, the cap's slot): the claim made when the handler settled came too early for it.
      // And with outcomes no longer holding jobs back, startBuffered may have drained the buffer.
      if (this.claimDue() !== null || runs.some((r) => this.endingFreesATurn(r.job))) this.wakeup.notify();
    };
    // A run's outcome is usually stored after its handler settled; a zombie's (aborted, still running) before.
    for (const run of runs) void run.recorded.then(() => settled).then(() => stored(run));
  }

  private endingFreesATurn(job: Job): boolean {
    if (job.groupKey !== null) return true;
    const limits = this.deps.claimLimits?.(this.options.queues) ?? [];
    return limits.some((l) => l.concurrencyLimit !== null && limitCounts(l, job));
  }

  /** Drops a claim that has not started (canceled, or its lease lost); false if it has. */
  private dropUnstarted(claim: { id: JobId; attempt: number }): boolean {
    return this.prefetched.remove(claim) || this.batches.remove(claim);
  }

  private async onLeaseLost(lease: Lease): Promise<void> {
    if (this.dropUnstarted(claimOf(lease))) return; // never started: nothing to abort
    const run = this.runs.get(claimKey(claimOf(lease)));
    // An outcome being stored is not lost: the extension found the row it already ended (it
    // waited on that row's lock). If the lease was lost, storing the outcome says so.
    if (!run || run.outcomeDecided) return;
    const job = await this.deps.store.getJob({ id: lease.jobId }).catch(() => null);
    if (run.outcomeDecided) return;
    const canceled = job?.state === "canceled";
    // The process that canceled or rescued the job logs that; this one's lines for the job
    // would otherwise end at "started".
    const fields = jobLogFields(run.job);
    if (canceled) this.deps.logger.info(fields, "job canceled elsewhere while it ran; its handler is signaled to stop");
    else this.deps.logger.warn(fields, "job's lease was lost (rescued elsewhere, or replayed); its handler is signaled to stop");
    run.abort(canceled ? new JobCanceledError() : new LeaseLostError());
  }

  /**
   * What holds a lease that may run out unextended stops, before the reaper may hand the job
   * to another worker: a running handler's signal fires (LeaseLapsedError), a job not started
   * is dropped and handed back if the store takes it. The lease may yet be held (a heartbeat
   * that was only slow): what the handler then returns or throws is stored, if the store takes
   * it, so a handler that finishes anyway does not run again. One that ended already keeps
   * trying to store its outcome.
   */
  private onLeasesLapsed(jobs: Job[]): void {
    this.deps.logger.warn(
      { jobIds: jobs.map((j) => j.id), leaseMs: this.options.leaseMs },
      "leases not extended in time (is the store reachable?); their handlers are signaled to stop",
    );
    const unstarted = jobs.filter((job) => this.dropUnstarted(job));
    for (const job of jobs) this.runs.get(claimKey(job))?.interrupt(new LeaseLapsedError());
    if (unstarted.length > 0) void this.handBack(unstarted);
  }

  /** Jobs claimed but never started go straight back to the queue, their attempt not used up. */
  private async releasePrefetched(): Promise<void> {
    await this.handBack([...this.prefetched.drain(), ...this.batches.drain()]);
  }

  /** Gives jobs claimed and not started back to the store, their attempt not used up; never rejects. */
  private async handBack(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.deps.store.releaseJobs({ leases: jobs.map(leaseOf) });
    } catch (error) {
      // Their leases will expire and the reaper will hand them out again; nothing is lost.
      this.deps.logger.error({ err: error, jobs: jobs.length }, "could not release prefetched jobs");
    }
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.due.stop();
    this.wakeup.notify();
    await this.loopDone;
    // A job inserted claimed for this worker while it stopped is in the buffer once its insert settles.
    await Promise.all(this.reservations);
    await this.releasePrefetched();
    const recordedAll = () => Promise.all([...this.runs.values()].map((r) => r.recorded));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"grace_over">((resolve) => {
      this.rearmGrace = () => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve("grace_over"), Math.max(0, this.graceEndsAt - Date.now()));
      };
      this.rearmGrace();
    });
    const first = await Promise.race([recordedAll(), graceOver]);
    clearTimeout(timer);
    this.rearmGrace = null;
    if (first === "grace_over") {
      for (const run of this.runs.values()) {
        // Said per job: its lines would otherwise end at "started", its attempt given back unseen.
        if (!run.outcomeDecided) this.deps.logger.warn(jobLogFields(run.job), "shutdown grace over: job's handler signaled to stop; the job goes back to its queue, attempt given back");
        run.abort(new WorkerShutdownError());
      }
      // Outcomes not stored by now (the store is down) are left to the reaper, as after a crash.
      this.recordingGiveUp.abort();
      await recordedAll();
    }
    this.heartbeat.stop();
    await this.reaper.stop();
    for (const off of this.unsubscribe) off();
    await (await this.noticeSubscriptions)();
  }
}

function missingHandler(_payload: unknown, ctx: { job: Job }): never {
  throw new Error(`no handler for job type "${ctx.job.type}" in this worker`);
}
