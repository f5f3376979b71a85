import type { Job, JobId } from "../core/job.js";

/** Whoever follows a watched job: told at every tick what the store holds. Neither method may throw. */
export interface JobFollower {
  /** The job as the store has it now; null once it no longer exists (deleted by retention). */
  update(job: Job | null): void;
  /** The tick's read failed. The follower is no longer watching; it should end. */
  failed(error: unknown): void;
}

/**
 * Follows every watched job with one store read per tick, however many followers there are and
 * however many of them watch the same job: the store's load grows with the jobs watched, not
 * with the viewers. The timer runs only while something is watched, and a tick is scheduled
 * only after the previous read settled, so reads never overlap.
 */
export class JobWatcher {
  private readonly followers = new Map<JobId, Set<JobFollower>>();
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private stopped = false;
  /** A read is out: set while one has not come back, which a tick finds only after that read timed out. */
  private unanswered = false;

  constructor(
    private readonly readJobs: (ids: JobId[]) => Promise<Job[]>,
    private readonly intervalMs: number,
    /**
     * How long a read may take before its followers are told it failed. A store that stopped
     * answering (a network partition) would otherwise leave every stream open and silent, and a
     * page following it would say "live" over a frozen job.
     */
    private readonly readTimeoutMs = 5_000,
  ) {}

  /**
   * Tells `follower` about job `id` from the next tick on, until the returned function is called
   * (idempotent). Refused once stopped: nothing would ever tell the follower to end.
   */
  watch(id: JobId, follower: JobFollower): () => void {
    if (this.stopped) throw new Error("the job watcher is stopped (the server is closing)");
    let followers = this.followers.get(id);
    if (!followers) this.followers.set(id, (followers = new Set()));
    followers.add(follower);
    this.scheduleTick();
    return () => this.unwatch(id, follower);
  }

  /** Stops the timer for good and forgets every follower (the server is closing and ends their streams itself). */
  stop(): void {
    this.stopped = true;
    this.followers.clear();
    this.clearTimer();
  }

  private unwatch(id: JobId, follower: JobFollower): void {
    const followers = this.followers.get(id);
    if (!followers?.delete(follower)) return;
    if (followers.size === 0) this.followers.delete(id);
    if (this.followers.size === 0) this.clearTimer();
  }

  private scheduleTick(): void {
    if (this.timer !== null || this.reading || this.stopped || this.followers.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.reading = true;
    // Only those watching before the read began are told of it: one that started watching
    // during the read may already hold a newer job than this read returns.
    const watched = [...this.followers].map(([id, followers]) => [id, [...followers]] as const);
    const read = await this.boundedRead(watched.map(([id]) => id)).then(
      (jobs) => ({ jobs: new Map(jobs.map((job) => [job.id, job])) }),
      (error: unknown) => ({ error }),
    );
    this.reading = false;
    for (const [id, followers] of watched)
      for (const follower of followers) {
        if (!this.isWatching(id, follower)) continue; // stopped watching meanwhile, or the watcher stopped
        if ("error" in read) {
          this.unwatch(id, follower);
          follower.failed(read.error);
        } else follower.update(read.jobs.get(id) ?? null);
      }
    this.scheduleTick();
  }

  /** The read, or its failure once readTimeoutMs passed; a read that answers later is dropped. */
  private boundedRead(ids: JobId[]): Promise<Job[]> {
    // Not a second read beside one that has not come back: they would pile up on the store.
    if (this.unanswered) return Promise.reject(new Error("the store has not answered the last read yet"));
    this.unanswered = true;
    const reading = this.readJobs(ids).finally(() => (this.unanswered = false));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the store did not answer within ${this.readTimeoutMs} ms`)), this.readTimeoutMs);
      timer.unref();
    });
    reading.catch(() => {}); // one that fails after the timeout was reported already
    return Promise.race([reading, late]).finally(() => clearTimeout(timer));
  }

  private isWatching(id: JobId, follower: JobFollower): boolean {
    return this.followers.get(id)?.has(follower) ?? false;
  }
}
