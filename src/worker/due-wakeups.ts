/** How many due times a worker keeps; beyond it, the latest are left to the poll. */
const MAX_KNOWN = 10_000;
/**
 * The longest wait one timer is set for. Node cuts a longer one (past 2^31 − 1 ms, 24.8 days) to
 * 1 ms: a job delayed 30 days had the worker claim a thousand times a second. A wait past this
 * takes several timers; only the one at the due time wakes the loop.
 */
const LONGEST_TIMER_MS = 86_400_000;

/**
 * Wakes the claim loop when a job this process knows of falls due: delayed at enqueue,
 * retrying after its backoff, or snoozed. Without it such a job waited for the first poll after
 * its time (a 300 ms delay ran after about 505 ms with the 500 ms poll). Jobs of other
 * processes are still found by the poll.
 *
 * Times are taken as delays from when this process heard of the job, never as the store's
 * run_at against this machine's clock: the two clocks may disagree (PostgreSQL's `now()`), and
 * since the job is heard of only after its write, the wake-up is never early.
 */
export class DueWakeups {
  /** performance.now() times, a binary min-heap. */
  private readonly heap: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly onDue: () => void) {}

  /** A job falls due in `delayMs` (now, if not positive). */
  add(delayMs: number): void {
    if (!(delayMs > 0)) return this.onDue();
    if (this.heap.length >= MAX_KNOWN) this.keepEarliestHalf();
    this.push(performance.now() + delayMs);
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.heap.length = 0;
  }

  private arm(): void {
    const next = this.heap[0];
    if (next === undefined || next >= this.armedFor) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedFor = next;
    // Rounded up: a timer may fire up to a millisecond before its time.
    this.timer = setTimeout(() => this.fire(), Math.min(LONGEST_TIMER_MS, Math.ceil(next - performance.now()) + 1));
    // The claim loop's own poll keeps a working process alive; this never should.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let due = false;
    while (this.heap.length > 0 && this.heap[0]! <= now) {
      this.pop();
      due = true;
    }
    if (due) this.onDue();
    this.arm();
  }

  /** Drops the later half: a flood of delayed jobs must not grow this without bound. */
  private keepEarliestHalf(): void {
    const kept = this.heap.sort((a, b) => a - b).slice(0, MAX_KNOWN / 2);
    // A sorted array is a valid min-heap.
    this.heap.length = 0;
    this.heap.push(...kept);
  }

  private push(at: number): void {
    const heap = this.heap;
    let i = heap.push(at) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = at;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
