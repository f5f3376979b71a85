/**
 * Asks the store something for a probe (a scrape's job counts, a readiness check), never
 * throwing and never waiting longer than `timeoutMs`: a failed or late answer is null, so the
 * probe still answers. While a read is under way, later callers (the other collectors of the
 * same scrape, the next probe while the store hangs) join it instead of piling up queries.
 */
export class StoreProbe<T> {
  private pending: Promise<T | null> | null = null;
  /** The read already reported as late, so one hung query is logged once, not once per caller. */
  private reportedLate: Promise<T | null> | null = null;

  constructor(
    private readonly params: {
      read: () => Promise<T>;
      /** What was asked, for the message of a late answer: "the count query". */
      what: string;
      timeoutMs: number;
      onFailure: (error: unknown) => void;
    },
  ) {}

  async read(): Promise<T | null> {
    const read = (this.pending ??= this.start());
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        if (this.reportedLate !== read) {
          this.reportedLate = read;
          this.params.onFailure(new Error(`the store did not answer ${this.params.what} within ${this.params.timeoutMs} ms`));
        }
        resolve(null);
      }, this.params.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([read, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private start(): Promise<T | null> {
    const settle = async (): Promise<T | null> => {
      try {
        return await this.params.read();
      } catch (error) {
        this.params.onFailure(error);
        return null;
      } finally {
        this.pending = null;
      }
    };
    return settle();
  }
}
