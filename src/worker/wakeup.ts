/**
 * Lets the claim loop sleep until there may be work: a slot freed, a job enqueued in this
 * process, or the poll interval passed (the fallback for jobs enqueued elsewhere).
 */
export class Wakeup {
  private wake: (() => void) | null = null;
  private pending = false;
  private count = 0;

  /** How many times notify() was called: a claim compares it before and after its round trip. */
  get notices(): number {
    return this.count;
  }

  notify(): void {
    this.count++;
    if (this.wake) this.wake();
    else this.pending = true;
  }

  /**
   * Resolves on notify() or after `timeoutMs`, always through setImmediate: on a synchronous
   * store (SQLite), claims, handlers and outcomes all settle in microtasks, so a loop woken in one
   * would never let timers, heartbeats or sockets run while a job snoozed with 0 ms came back
   * again and again.
   */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        setImmediate(resolve);
      }
      this.wake = done;
    });
  }
}
