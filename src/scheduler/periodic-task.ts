/**
 * Runs `run` every `intervalMs`, never two runs at once (a slow run makes the next ones wait,
 * not pile up). `run` reports its own errors: a rejection here would go unheard.
 */
export class PeriodicTask {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | null = null;

  constructor(
    private readonly run: () => Promise<void>,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => void this.runNow(), intervalMs);
  }

  /** Runs now, or joins the run in progress. */
  runNow(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  /** No run starts after this; resolves once the one in progress (if any) ends. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
