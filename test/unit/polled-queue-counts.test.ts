import { afterEach, describe, expect, it, vi } from "vitest";
import { PolledQueueCounts } from "../../src/client/polled-queue-counts.js";
import type { QueueOverview } from "../../src/client/queue-overview.js";
import { emptyStateCounts } from "../../src/store/queue-counts.js";

/** A count that takes `ms` of the test's clock, answering with how many counts were made. */
function slowCount(ms: number) {
  let reads = 0;
  const read = async (): Promise<QueueOverview[]> => {
    const n = ++reads;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return [{ queue: `read-${n}`, counts: emptyStateCounts(), paused: false }];
  };
  return { read, reads: () => reads };
}

const queueOf = async (p: Promise<QueueOverview[]>) => (await p)[0]!.queue;

describe("PolledQueueCounts", () => {
  afterEach(() => vi.useRealTimers());

  it("shares one count among callers, reuses it while younger than ten times its duration, then counts again", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const count = slowCount(100);
    const counts = new PolledQueueCounts(count.read);
    const first = counts.read();
    const joined = counts.read();
    await vi.advanceTimersByTimeAsync(100);
    expect([await queueOf(first), await queueOf(joined), count.reads()]).toEqual(["read-1", "read-1", 1]);
    // Counted from when the count started: reused until 1 000 ms after it.
    await vi.advanceTimersByTimeAsync(899);
    expect(await queueOf(counts.read())).toBe("read-1");
    await vi.advanceTimersByTimeAsync(1);
    const fresh = counts.read();
    await vi.advanceTimersByTimeAsync(100);
    expect([await queueOf(fresh), count.reads()]).toEqual(["read-2", 2]);
  });

  it("after forget(), counts anew: neither the answer kept nor a count already under way is served", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const count = slowCount(100);
    const counts = new PolledQueueCounts(count.read);
    const before = counts.read();
    counts.forget(); // e.g. a queue paused while that count was under way
    const after = counts.read();
    await vi.advanceTimersByTimeAsync(100);
    expect([await queueOf(before), await queueOf(after)]).toEqual(["read-1", "read-2"]);
    // The later count is the one kept.
    expect(await queueOf(counts.read())).toBe("read-2");
    counts.forget();
    const again = counts.read();
    await vi.advanceTimersByTimeAsync(100);
    expect([await queueOf(again), count.reads()]).toEqual(["read-3", 3]);
  });
});
