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

  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }
}
