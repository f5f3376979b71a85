import type { QueueOverview } from "./queue-overview.js";

/** A count is reused while it is younger than this many times what it took to read. */
const REUSE_FACTOR = 10;

/**
 * Every queue's job counts for callers that poll them (dashboards over GET /v1/queues): one
 * read at a time, shared by whoever asks meanwhile, and its answer reused while it is younger
 * than ten times what it took. Counting reads every kept job, so with millions kept a count
 * takes a while; however many dashboards poll, the store then spends at most about a tenth of
 * one connection's time counting, and on a small store the answer is fresh (a 2 ms count is
 * reused for 20 ms).
 */
export class PolledQueueCounts {
  private inFlight: Promise<QueueOverview[]> | null = null;
  private last: { startedAt: number; tookMs: number; queues: QueueOverview[] } | null = null;
  /** Bumped by forget(): a read started before it neither serves later callers nor is kept. */
  private generation = 0;

  constructor(private readonly readQueues: () => Promise<QueueOverview[]>) {}

  read(): Promise<QueueOverview[]> {
    const last = this.last;
    if (last !== null && performance.now() - last.startedAt < last.tookMs * REUSE_FACTOR) return Promise.resolve(last.queues);
    return (this.inFlight ??= this.refresh());
  }

  /** Drops what was read so far: a change made through this process (a queue paused) shows at the next read. */
  forget(): void {
    this.generation++;
    this.last = null;
    this.inFlight = null;
  }

  private async refresh(): Promise<QueueOverview[]> {
    const generation = this.generation;
    const startedAt = performance.now();
    try {
      const queues = await this.readQueues();
      if (generation === this.generation) this.last = { startedAt, tookMs: performance.now() - startedAt, queues };
      return queues;
    } finally {
      if (generation === this.generation) this.inFlight = null;
    }
  }
}
