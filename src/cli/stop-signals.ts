/** How long a second signal waits for the store to take the in-flight jobs back. */
const STOP_NOW_MS = 5_000;

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

  /**
   * From now on, a signal after the first ends `errand`'s grace at once (its in-flight jobs go
   * back to their queues, attempt given back) and then the process, whose exit code stays as
   * set: a handler that ignores its signal must not keep the process up. Nor may a store that
   * does not answer (a network partition: statements on its connections wait for replies that
   * never come): after `STOP_NOW_MS` the process exits without it, exit 1, and the jobs it
   * could not hand back return when their leases expire.
   */
  stopNowOnAgain(errand: { close(options: { graceMs: number }): Promise<void> }, say: (line: string) => void): void {
    this.again = (signal) => {
      say(`${signal} again: stopping in-flight jobs; they go back to their queues`);
      const unanswered = setTimeout(() => {
        say(`the store did not answer within ${STOP_NOW_MS / 1000} s; exiting without it (jobs not handed back return when their leases expire)`);
        process.exit(1);
      }, STOP_NOW_MS);
      void errand.close({ graceMs: 0 }).finally(() => {
        clearTimeout(unanswered);
        process.exit(process.exitCode ?? 0);
      });
    };
  }

  /**
   * Ends the process once the command is over, with the exit code set so far, still listening
   * (a signal now changes nothing). Left to end by itself, the process would wait for whatever
   * the handlers module holds open (a database client of its own, a timer, a handler that
   * ignored its signal): a drained worker would stay up until its supervisor killed it, and a
   * handler still running would overlap the run of the job it was handed back to.
   */
  exit(): never {
    process.exit(process.exitCode ?? 0);
  }
}
