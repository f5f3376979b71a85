import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { backoffDelay } from "../core/backoff.js";
import {
  errandCodeOf,
  ErrandError,
  type CancelJob,
  JobCanceledError,
  JobTimeoutError,
  LeaseLapsedError,
  LeaseLostError,
  type RateLimitedError,
  type SnoozeJob,
  StoreUnavailableError,
  UnsupportedByStoreError,
  WorkerShutdownError,
} from "../core/errors.js";
import type { TransactionClient } from "../core/enqueue-options.js";
import { checkedProgress, type JobContext, type JobHandler } from "../core/handler.js";
import { leaseOf, type AttemptError, type ClaimedJob, type Job, type Lease } from "../core/job.js";
import { serializePayload, type PayloadLimits } from "../core/payload.js";
import { failureEvent, nextState } from "../core/states.js";
import type { JobEventBus } from "../client/event-bus.js";
import { parentResults } from "./parent-results.js";
import type { AttemptErrorInput, Store } from "../store/store.js";

export interface JobRunDeps {
  store: Store;
  events: JobEventBus;
  logger: Logger;
  payloadLimits: PayloadLimits;
  /**
   * While the store is unavailable, a run keeps trying to record its outcome until this fires
   * (its worker's shutdown grace is over). Absent: it tries once.
   */
  recordingGivenUp?: AbortSignal;
  /** Told of a job snoozed here, to claim it when it falls due rather than at the next poll. */
  snoozed?: (job: ClaimedJob, delayMs: number) => void;
}

/** Waits between tries to record an outcome while the store is unavailable: doubling from the first to the last. */
const RECORD_RETRY_FIRST_MS = 50;
const RECORD_RETRY_MAX_MS = 2_000;

/** How one attempt ended, decided once; later events (a late return, another abort) change nothing. */
type Outcome =
  | { kind: "completed"; value: unknown }
  /** The handler's ctx.completeInTransaction committed: the store has it already. */
  | { kind: "completed_in_transaction"; value: unknown }
  | { kind: "failed"; error: unknown; permanent: boolean }
  | { kind: "snoozed"; delayMs: number }
  | { kind: "canceled_by_handler"; reason: CancelJob }
  /** Someone else already decided: the job was canceled, or the lease is gone. */
  | { kind: "nothing_to_record" }
  | { kind: "released" };

/**
 * Runs the job's handler with its context; its value completes the job, its throw fails it.
 * For a single handler, a call of it; for a batch member, waiting for its share of the batch.
 */
export type Invocation = (ctx: JobContext<unknown>) => unknown;

/**
 * One attempt of one claimed job. `recorded` settles when its outcome is in the store;
 * `settled` when the handler's own promise has settled. The worker keeps the concurrency
 * slot until both, so a handler that ignores its AbortSignal cannot pile up zombies.
 *
 * A worker runs tens of thousands of these a second, so each allocates little: one promise
 * decides the outcome (the handler settling, or an abort, whichever comes first), and the
 * context builds its signal and functions only when a handler asks for them.
 */
export class JobRun {
  readonly lease: Lease;
  readonly recorded: Promise<void>;
  readonly settled: Promise<void>;
  /** Created on first use of ctx.signal: most handlers never look, and it is not free. */
  private controller: AbortController | null = null;
  private abortReason: ErrandError | null = null;
  /** Set by interrupt(): the signal fired, the outcome left to the handler. */
  private interruption: LeaseLapsedError | null = null;
  /** The first call wins: later events (a late return, another abort) change nothing. */
  private decide!: (outcome: Outcome) => void;
  private decidedYet = false;
  private timer: NodeJS.Timeout | null = null;
  /** Set by ctx.completeInTransaction: resolves to its value if it committed, null if not. */
  private transactional: Promise<{ value: unknown } | null> | null = null;
  /** Set by ctx.completeInTransaction: rolls its transaction back, unless already committing. */
  private abortTransaction: ((reason: ErrandError) => void) | null = null;

  constructor(
    readonly job: ClaimedJob,
    invoke: Invocation,
    readonly deps: JobRunDeps,
  ) {
    this.lease = leaseOf(job);
    const decided = new Promise<Outcome>((resolve) => (this.decide = resolve));
    this.settled = this.start(invoke);
    this.recorded = this.finish(decided);
  }

  /** A run of `handler` on this job's payload. */
  static of(job: ClaimedJob, handler: JobHandler<unknown, unknown>, deps: JobRunDeps): JobRun {
    return new JobRun(job, (ctx) => handler(job.payload, ctx), deps);
  }

  /** Fires the handler's AbortSignal; the first reason given decides what is recorded. */
  abort(reason: ErrandError): void {
    if (this.abortReason !== null) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.abortTransaction?.(reason);
    this.conclude(outcomeOfAbort(reason));
  }

  /**
   * Fires the handler's AbortSignal without deciding what is recorded: the handler may still
   * return (its completion is stored if the lease turns out to be held), or throw, which fails
   * the attempt. For a lease that lapsed: it may or may not be lost.
   */
  interrupt(reason: LeaseLapsedError): void {
    if (this.abortReason !== null || this.interruption !== null) return;
    this.interruption = reason;
    this.controller?.abort(reason);
  }

  /** Fires on timeout, cancel, lost or lapsed lease, or forced shutdown; `reason` says which. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      const reason = this.abortReason ?? this.interruption;
      if (reason !== null) this.controller.abort(reason);
    }
    return this.controller.signal;
  }

  /** Calls the handler; the promise returned settles when the handler's does. */
  private start(invoke: Invocation): Promise<void> {
    const { job, deps } = this;
    if (deps.events.has("started")) deps.events.emit("started", { job });
    let overran = () => false;
    if (job.timeoutMs !== null) {
      const ms = job.timeoutMs;
      const deadline = performance.now() + ms;
      this.timer = setTimeout(() => this.abort(new JobTimeoutError(ms)), ms);
      // A handler that blocks the event loop past its deadline settles before the timer can
      // fire: its late outcome is a timeout all the same.
      overran = () => {
        if (this.abortReason === null && performance.now() >= deadline) this.abort(new JobTimeoutError(ms));
        return this.abortReason !== null;
      };
    }
    let running: Promise<unknown>;
    try {
      running = Promise.resolve(invoke(new RunContext(this)));
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (value) => (overran() ? undefined : this.conclude({ kind: "completed", value })),
      (error) => (overran() ? undefined : this.conclude(this.abortReason !== null ? outcomeOfAbort(this.abortReason) : outcomeOfError(error))),
    );
  }

  /**
   * What is recorded is decided (the handler settled, or an abort decided it): a lost lease
   * changes nothing any more, and the store refuses the outcome if the lease is gone.
   */
  get outcomeDecided(): boolean {
    return this.decidedYet;
  }

  private conclude(outcome: Outcome): void {
    this.decidedYet = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.decide(outcome);
  }

  private async finish(decided: Promise<Outcome>): Promise<void> {
    let outcome = await decided;
    // Whatever else happened (a timeout, a throw after it), a committed transactional
    // completion is the outcome: the job is completed in the store and must not be touched again.
    const committed = this.transactional === null ? null : await this.transactional;
    if (committed !== null) outcome = { kind: "completed_in_transaction", value: committed.value };
    const { logger, recordingGivenUp } = this.deps;
    // A store that went away (a restart, a dropped connection) is tried again: the handler's
    // work is done, and recording it is cheaper than running it again once the lease expires.
    // Meanwhile the worker's heartbeat, which still counts this run, keeps the lease. A write
    // whose reply was lost after it committed is recognised by the store when sent again.
    // A snooze only when it certainly was not written: it gives the attempt back, so once it
    // committed this worker may claim the job again at the same attempt, and the snooze sent
    // again would match that new run's lease.
    const retries = (error: StoreUnavailableError) => outcome.kind !== "snoozed" || error.outcome === "not_written";
    for (let waitMs = RECORD_RETRY_FIRST_MS; ; waitMs = Math.min(2 * waitMs, RECORD_RETRY_MAX_MS)) {
      try {
        await this.record(outcome);
        return;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || !retries(error) || recordingGivenUp === undefined || recordingGivenUp.aborted) {
          // The lease will expire and the reaper will retry the job; nothing is lost.
          logger.error({ err: error, jobId: this.job.id }, "could not record job outcome");
          return;
        }
        if (waitMs === RECORD_RETRY_FIRST_MS)
          logger.warn({ err: error, jobId: this.job.id }, "could not record job outcome; trying again while the store is unavailable");
        // Jittered, so the runs of one outage do not all come back in the same millisecond.
        await sleep(waitMs / 2 + Math.random() * waitMs, undefined, { signal: recordingGivenUp }).catch(() => {});
      }
    }
  }

  /**
   * ctx.progress: persists progress while this worker holds the lease, and emits `progress`.
   * Progress is advisory: while the store is unavailable the report is dropped (the next one, or
   * the outcome, supersedes it) rather than failing an attempt that may otherwise succeed.
   */
  async reportProgress(percent: number): Promise<void> {
    checkedProgress(percent);
    if (this.abortReason !== null) return;
    const { job, deps } = this;
    let held: boolean;
    try {
      held = await deps.store.updateProgress({ lease: this.lease, progress: percent });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.logger.warn({ err: error, jobId: job.id, progress: percent }, "could not store job progress; the store is unavailable");
      return;
    }
    if (held) deps.events.emit("progress", { job: { ...job, progress: percent }, progress: percent });
  }

  async completeInTransaction<T>(fn: (tx: TransactionClient) => Promise<T>): Promise<T> {
    const { store } = this.deps;
    if (store.completeJobInTransaction === undefined)
      throw new UnsupportedByStoreError("ctx.completeInTransaction", store.backend);
    if (this.transactional !== null) throw new Error("ctx.completeInTransaction may be called only once per attempt");
    if (this.abortReason !== null) throw this.abortReason;
    let value!: T;
    // Aborted on timeout, cancel, lost lease or forced shutdown: the transaction is then rolled
    // back, so the outcome recorded is the abort's, as for any handler. Not on a lapsed lease
    // (interrupt), which may still be held: the commit's own fencing decides that one.
    const aborted = new AbortController();
    this.abortTransaction = (reason) => aborted.abort(reason);
    const committing = store.completeJobInTransaction({
      lease: this.lease,
      work: async (tx) => this.resultText((value = await fn(tx))),
      signal: aborted.signal,
    });
    this.transactional = committing.then(
      (accepted) => (accepted ? { value } : null),
      () => null,
    );
    if (!(await committing)) {
      // Someone else has the job now: this attempt's outcome is theirs to record.
      this.abort(new LeaseLostError());
      throw new LeaseLostError();
    }
    return value;
  }

  /** The handler's return value as the JSON text stored as the job's result. */
  private resultText(value: unknown): string | null {
    return value === undefined ? null : serializePayload(value, this.deps.payloadLimits, "result");
  }

  private async record(outcome: Outcome): Promise<void> {
    const { job, lease, deps } = this;
    switch (outcome.kind) {
      case "completed": {
        let result: string | null;
        try {
          result = this.resultText(outcome.value);
        } catch (error) {
          return this.record({ kind: "failed", error, permanent: true });
        }
        const [accepted] = await deps.store.completeJobs({ completions: [{ lease, result }] });
        if (!accepted) return this.refused("completion");
        return this.emitCompleted(outcome.value);
      }
      case "completed_in_transaction":
        return this.emitCompleted(outcome.value);
      case "failed": {
        const event = failureEvent({ attempt: job.attempt, maxAttempts: job.maxAttempts, permanent: outcome.permanent });
        const retryDelayMs = event === "permanent_failure_or_no_attempts_left" ? null : backoffDelay(job.backoff, job.attempt - job.attemptsBeforeReplay);
        const updated = await deps.store.failJob({ lease, error: describeError(outcome.error), retryDelayMs });
        if (!updated) return this.refused("failure");
        const error = updated.errors.at(-1) as AttemptError;
        if (retryDelayMs === null) deps.events.emit("failed", { job: updated, error });
        else deps.events.emit("retrying", { job: updated, error, runAt: updated.runAt });
        return;
      }
      case "snoozed":
        if (!(await deps.store.snoozeJob({ lease, delayMs: outcome.delayMs }))) this.refused("snooze");
        else deps.snoozed?.(job, outcome.delayMs);
        return;
      case "canceled_by_handler": {
        const result = await deps.store.cancelJob({ id: job.id, lease, error: describeError(outcome.reason) });
        if (result.outcome === "changed") deps.events.emit("canceled", { job: result.job });
        else this.refused("cancel");
        return;
      }
      case "released":
        await deps.store.releaseJobs({ leases: [lease] });
        return;
      case "nothing_to_record":
        return;
    }
  }

  private emitCompleted(result: unknown): void {
    if (!this.deps.events.has("completed")) return;
    const finished = { ...this.job, state: nextState("running", "handler_returned")!, result, progress: 100, finishedAt: new Date() };
    this.deps.events.emit("completed", { job: finished, result });
  }

  private refused(what: string): void {
    this.deps.logger.warn(
      { jobId: this.job.id, attempt: this.job.attempt },
      `${what} refused: this worker no longer holds the job's lease`,
    );
  }
}

/** RunContext's own keys besides `job`: symbols, which JSON.stringify and Object.keys pass over. */
const RUN = Symbol("run");
const PROGRESS = Symbol("progress");
const COMPLETE = Symbol("completeInTransaction");
const PARENTS = Symbol("parents");

/**
 * What a handler gets as `ctx`. Its functions are made on first use and keep their run, so a
 * handler may take them apart (`const { progress, signal } = ctx`) as with a plain object.
 * All but `job` is kept under symbols: JSON.stringify(ctx), or a logger given ctx, sees the
 * job, not the worker's run, store and timers (circular, and not the handler's to see).
 */
class RunContext implements JobContext<unknown> {
  readonly job: ClaimedJob;
  private readonly [RUN]: JobRun;
  private [PROGRESS]: JobContext<unknown>["progress"] | null = null;
  private [COMPLETE]: JobContext<unknown>["completeInTransaction"] | null = null;
  private [PARENTS]: JobContext<unknown>["parents"] | null = null;

  constructor(run: JobRun) {
    this[RUN] = run;
    this.job = run.job;
  }

  get signal(): AbortSignal {
    return this[RUN].signal;
  }

  get progress(): JobContext<unknown>["progress"] {
    const run = this[RUN];
    return (this[PROGRESS] ??= (percent) => run.reportProgress(percent));
  }

  get completeInTransaction(): JobContext<unknown>["completeInTransaction"] {
    const run = this[RUN];
    return (this[COMPLETE] ??= (fn) => run.completeInTransaction(fn));
  }

  get parents(): JobContext<unknown>["parents"] {
    const run = this[RUN];
    return (this[PARENTS] ??= async <Results>() => (await parentResults(run.deps.store, run.job)) as Results);
  }
}

function outcomeOfAbort(reason: unknown): Outcome {
  if (reason instanceof JobTimeoutError) return { kind: "failed", error: reason, permanent: false };
  if (reason instanceof WorkerShutdownError) return { kind: "released" };
  if (reason instanceof JobCanceledError || reason instanceof LeaseLostError) return { kind: "nothing_to_record" };
  return { kind: "failed", error: reason, permanent: false };
}

/** By code, not class: a signal thrown with another copy of Errand's classes means the same (see errandCodeOf). */
function outcomeOfError(error: unknown): Outcome {
  switch (errandCodeOf(error)) {
    case "snoozed":
      return { kind: "snoozed", delayMs: (error as SnoozeJob).delayMs };
    // Being told "not now" is not the job failing: it waits without using up an attempt.
    case "rate_limited":
      return { kind: "snoozed", delayMs: (error as RateLimitedError).retryAfterMs };
    case "canceled":
      // An abort reason shares the code; thrown on its own (not as this run's abort), it is a failure.
      if (error instanceof JobCanceledError || (error as Error).name === "JobCanceledError") break;
      return { kind: "canceled_by_handler", reason: error as CancelJob };
    case "permanent_failure":
      return { kind: "failed", error, permanent: true };
  }
  // A store without the feature will not gain it on a retry.
  return { kind: "failed", error, permanent: error instanceof UnsupportedByStoreError };
}

function describeError(error: unknown): AttemptErrorInput {
  if (error instanceof Error) {
    const code = errandCodeOf(error);
    return { message: error.message || error.name, code, stack: error.stack ?? null };
  }
  return { message: `non-Error thrown: ${safeString(error)}`, code: null, stack: null };
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
