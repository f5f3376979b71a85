import { StoreUnavailableError } from "../core/errors.js";

interface Waiting<Unit, Result> {
  unit: Unit;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces units of work submitted at about the same time into one transaction, so that
 * many concurrent callers pay for one commit (one fsync) instead of one each. Each caller's
 * promise settles only after the transaction holding its unit committed. If a combined
 * commit fails, each unit is retried alone so one bad unit cannot fail its neighbours, but
 * only if `retryAlone` allows it. By default not when the store was unavailable: every unit
 * alone would fail alike, each after its own wait (a connect or busy timeout), and a commit
 * whose connection dropped may have committed before its reply was lost. Then every caller
 * gets the error, and tries again later if it can.
 *
 * With `maxInFlight` above 1, units that arrive while a commit is under way go out in a
 * second one at once (on another connection) instead of waiting for the first to return:
 * commits are waits on the disk and the network, and the store's throughput is the units in
 * flight divided by that wait. Use it only where the units' order does not matter.
 */
/** What a commit gives for a unit that failed while the others committed: its caller gets `error`. */
export class UnitFailed {
  constructor(readonly error: unknown) {}
}

export interface GroupCommitOptions {
  /** Combined commits under way at once (see above). Default 1. */
  maxInFlight?: number;
  /** Whether to retry each unit alone after a combined commit failed with `error`. Default: unless the store was unavailable. */
  retryAlone?: (error: unknown) => boolean;
}

export class GroupCommit<Unit, Result> {
  private waiting: Waiting<Unit, Result>[] = [];
  private flushScheduled = false;
  private readonly flushing = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private readonly retryAlone: (error: unknown) => boolean;

  constructor(
    private readonly commit: (units: Unit[]) => (Result | UnitFailed)[] | Promise<(Result | UnitFailed)[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 1;
    this.retryAlone = options.retryAlone ?? ((error) => !(error instanceof StoreUnavailableError));
  }

  submit(unit: Unit): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ unit, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Resolves once everything submitted so far has been committed or rejected. */
  async idle(): Promise<void> {
    while (this.flushing.size > 0 || this.waiting.length > 0) {
      await (this.flushing.size > 0 ? Promise.race(this.flushing) : new Promise((r) => setImmediate(r)));
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing.size >= this.maxInFlight) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.waiting.length === 0 || this.flushing.size >= this.maxInFlight) return;
      const flushing: Promise<void> = this.flush().finally(() => {
        this.flushing.delete(flushing);
        if (this.waiting.length > 0) this.scheduleFlush();
      });
      this.flushing.add(flushing);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      const results = await this.commit(batch.map((w) => w.unit));
      batch.forEach((w, i) => settle(w, results[i]));
    } catch (error) {
      if (batch.length === 1 || !this.retryAlone(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      for (const w of batch) {
        try {
          const [result] = await this.commit([w.unit]);
          settle(w, result);
        } catch (unitError) {
          w.reject(unitError);
        }
      }
    }
  }
}

function settle<Result>(w: Waiting<unknown, Result>, result: Result | UnitFailed | undefined): void {
  if (result instanceof UnitFailed) w.reject(result.error);
  else w.resolve(result as Result);
}
