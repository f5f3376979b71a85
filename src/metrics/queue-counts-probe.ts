import type { QueueOverview } from "../client/queue-overview.js";

type Read = Promise<QueueOverview[] | null>;

/**
 * Reads every queue's job counts for a scrape, never throwing and never waiting longer than
 * `timeoutMs`: a failed or late read is null, so the scrape still answers with what this
 * process knows. While a read is under way, later callers (the other collectors of the same
 * scrape, or the next scrape while the store hangs) join it instead of piling up queries.
 */
export class QueueCountsProbe {
  private pending: Read | null = null;
  /** The read already reported as late, so one hung query is logged once, not once per caller. */
  private reportedLate: Read | null = null;

  constructor(
    private readonly params: {
      read: () => Promise<QueueOverview[]>;
      timeoutMs: number;
      onFailure: (error: unknown) => void;
    },
  ) {}

  async read(): Promise<QueueOverview[] | null> {
    const read = (this.pending ??= this.start());
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        if (this.reportedLate !== read) {
          this.reportedLate = read;
          this.params.onFailure(new Error(`the store did not answer the count query within ${this.params.timeoutMs} ms`));
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

  private start(): Read {
    const settle = async (): Promise<QueueOverview[] | null> => {
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
