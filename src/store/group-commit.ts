interface Waiting<Unit, Result> {
  unit: Unit;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces units of work submitted at about the same time into one transaction, so that
 * many concurrent callers pay for one commit (one fsync) instead of one each. Each caller's
 * promise settles only after the transaction holding its unit committed. If a combined
 * commit fails, each unit is retried alone so one bad unit cannot fail its neighbours.
 */
export class GroupCommit<Unit, Result> {
  private waiting: Waiting<Unit, Result>[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;

  constructor(private readonly commit: (units: Unit[]) => Result[] | Promise<Result[]>) {}

  submit(unit: Unit): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ unit, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Resolves once everything submitted so far has been committed or rejected. */
  async idle(): Promise<void> {
    while (this.flushing !== null || this.waiting.length > 0) {
      await (this.flushing ?? new Promise((r) => setImmediate(r)));
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing !== null) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.waiting.length > 0) this.scheduleFlush();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      const results = await this.commit(batch.map((w) => w.unit));
      batch.forEach((w, i) => w.resolve(results[i] as Result));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const w of batch) {
        try {
          const [result] = await this.commit([w.unit]);
          w.resolve(result as Result);
        } catch (unitError) {
          w.reject(unitError);
        }
      }
    }
  }
}
