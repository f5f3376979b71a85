import type { ClaimedJob, JobId } from "../core/job.js";

/** How much work, in handler time, the buffer aims to hold ready. */
const WINDOW_MS = 50;

/**
 * Jobs claimed ahead of free slots, so a slot that frees starts its next job at once instead
 * of waiting a round trip to the store. The buffer holds about WINDOW_MS of work (judged by
 * recent handler durations), never more than `maxJobs`: fast jobs are claimed hundreds at a
 * time, while slow ones are barely prefetched and stay available to other workers.
 */
export class PrefetchBuffer {
  private jobs: ClaimedJob[] = [];
  private head = 0;
  private averageMs: number | null = null;

  constructor(
    private readonly concurrency: number,
    private readonly maxJobs: number,
  ) {}

  get size(): number {
    return this.jobs.length - this.head;
  }

  /** How many jobs the buffer should hold now. */
  target(): number {
    if (this.maxJobs === 0) return 0;
    // Until a handler has run, nothing says its jobs are quick: a worker that had just started
    // claimed twice its slots, and slow jobs sat in its buffer while other workers stood idle.
    if (this.averageMs === null) return 0;
    return Math.min(this.maxJobs, Math.floor((this.concurrency * WINDOW_MS) / Math.max(this.averageMs, 0.05)));
  }

  recordHandlerDuration(ms: number): void {
    this.averageMs = this.averageMs === null ? ms : this.averageMs * 0.9 + ms * 0.1;
  }

  push(jobs: ClaimedJob[]): void {
    this.jobs.push(...jobs);
  }

  take(): ClaimedJob | undefined {
    if (this.head === this.jobs.length) return undefined;
    const job = this.jobs[this.head++];
    if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
    return job;
  }

  /** Drops a claim that was canceled or whose lease was lost before it started. */
  remove(claim: { id: JobId; attempt: number }): boolean {
    const i = this.jobs.findIndex((job, index) => index >= this.head && job.id === claim.id && job.attempt === claim.attempt);
    if (i === -1) return false;
    this.jobs.splice(i, 1);
    return true;
  }

  /** The jobs held, in the order they start. */
  held(): ClaimedJob[] {
    return this.jobs.slice(this.head);
  }

  /** Empties the buffer, returning what it held (to hand back to the store). */
  drain(): ClaimedJob[] {
    const rest = this.jobs.slice(this.head);
    this.jobs = [];
    this.head = 0;
    return rest;
  }
}
