/**
 * SIGTERM and SIGINT for a long-running command: the first asks for a graceful stop, a second
 * one to stop now. Listening from the start, and to every signal after the first, means no
 * signal ever finds the process without a handler: Node's default would kill it mid-job, and
 * its jobs would wait for their leases to expire.
 */
export class StopSignals {
  /** Resolves with the first signal's name. */
  readonly first: Promise<NodeJS.Signals>;
  private again: ((signal: NodeJS.Signals) => void) | null = null;
  private received = 0;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (++this.received === 1) this.resolveFirst(signal);
    else this.again?.(signal);
  };
  private resolveFirst!: (signal: NodeJS.Signals) => void;

  constructor() {
    this.first = new Promise((resolve) => (this.resolveFirst = resolve));
    process.on("SIGTERM", this.onSignal);
    process.on("SIGINT", this.onSignal);
  }

  /** Calls `fn` on each signal after the first. */
  onAgain(fn: (signal: NodeJS.Signals) => void): void {
    this.again = fn;
  }

  /** Stops listening (the command is over). */
  dispose(): void {
    process.off("SIGTERM", this.onSignal);
    process.off("SIGINT", this.onSignal);
  }
}
