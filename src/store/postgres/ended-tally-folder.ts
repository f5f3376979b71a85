/**
 * Runs `fold` (fold_ended_tallies.sql) every `intervalMs` while the store is open. Every
 * process does, as any may be the last one left; the statement skips rows another is folding.
 * The timer is unref'd: folding never keeps a process alive.
 */
export class EndedTallyFolder {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | null = null;

  constructor(params: { fold: () => Promise<unknown>; intervalMs: number; onError: (error: unknown) => void }) {
    this.timer = setInterval(() => {
      // A round still under way (a slow server) is not joined by another.
      this.running ??= params
        .fold()
        .then(() => undefined, params.onError)
        .finally(() => (this.running = null));
    }, params.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round under way, so the store can close its pool after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
