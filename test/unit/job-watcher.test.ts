import { afterEach, describe, expect, it } from "vitest";
import type { Job, JobId } from "../../src/core/job.js";
import { JobWatcher, type JobFollower } from "../../src/server/job-watcher.js";
import { waitFor } from "../helpers/wait-for.js";

const TICK_MS = 5;

/** The reads a watcher makes, answered from `existing` (ids not in it have no job), or held while `gate` is set. */
function reader(existing: Set<JobId>) {
  const reads: JobId[][] = [];
  let gate: Promise<void> | null = null;
  let failWith: Error | null = null;
  const read = async (ids: JobId[]): Promise<Job[]> => {
    reads.push(ids);
    if (gate) await gate;
    if (failWith) throw failWith;
    return ids.filter((id) => existing.has(id)).map((id) => ({ id, state: "running" }) as Job);
  };
  return {
    read,
    reads,
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => ((gate = null), open());
    },
    fail: (error: Error | null) => (failWith = error),
  };
}

function recorder(): JobFollower & { seen: (Job | null)[]; errors: unknown[] } {
  const seen: (Job | null)[] = [];
  const errors: unknown[] = [];
  return { seen, errors, update: (job) => seen.push(job), failed: (error) => errors.push(error) };
}

/** Nothing may happen in this time: a negative check has no condition to poll for. */
const quiet = () => new Promise((r) => setTimeout(r, TICK_MS * 6));

describe("JobWatcher", () => {
  let watcher: JobWatcher | undefined;
  afterEach(() => watcher?.stop());

  it("reads every watched job in one call per tick, each id once, and tells every follower", async () => {
    const store = reader(new Set(["1", "2"]));
    watcher = new JobWatcher(store.read, TICK_MS);
    const [a1, a2, b, gone] = [recorder(), recorder(), recorder(), recorder()];
    watcher.watch("1", a1);
    watcher.watch("1", a2);
    watcher.watch("2", b);
    watcher.watch("3", gone);
    await waitFor(() => b.seen.length >= 2);
    for (const ids of store.reads) expect([...ids].sort()).toEqual(["1", "2", "3"]);
    expect(a1.seen[0]).toMatchObject({ id: "1" });
    expect(a2.seen[0]).toMatchObject({ id: "1" });
    expect(b.seen[0]).toMatchObject({ id: "2" });
    expect(gone.seen[0]).toBeNull();
  });

  it("reads only while something is watched", async () => {
    const store = reader(new Set(["1"]));
    watcher = new JobWatcher(store.read, TICK_MS);
    await quiet();
    expect(store.reads).toHaveLength(0);
    const follower = recorder();
    const unwatch = watcher.watch("1", follower);
    await waitFor(() => follower.seen.length >= 1);
    unwatch();
    unwatch(); // idempotent
    const reads = store.reads.length;
    await quiet();
    expect(store.reads.length).toBe(reads);
    watcher.watch("1", follower);
    await waitFor(() => store.reads.length > reads);
  });

  it("tells a follower that started watching during a read only of later reads, which never overlap", async () => {
    const store = reader(new Set(["1"]));
    watcher = new JobWatcher(store.read, TICK_MS);
    const early = recorder();
    watcher.watch("1", early);
    const release = store.hold();
    await waitFor(() => store.reads.length === 1);
    const late = recorder();
    watcher.watch("1", late);
    await quiet();
    expect(store.reads).toHaveLength(1); // the held read is the only one
    release();
    // Each later read tells both at once: the late one lacks exactly the held read's answer.
    await waitFor(() => late.seen.length >= 1);
    expect(early.seen.length - late.seen.length).toBe(1);
  });

  it("on a failed read tells its followers and drops them; later followers are read for again", async () => {
    const store = reader(new Set(["1"]));
    watcher = new JobWatcher(store.read, TICK_MS);
    const failing = recorder();
    store.fail(new Error("store down"));
    watcher.watch("1", failing);
    await waitFor(() => failing.errors.length === 1);
    expect(failing.errors[0]).toMatchObject({ message: "store down" });
    store.fail(null);
    const next = recorder();
    watcher.watch("1", next);
    await waitFor(() => next.seen.length >= 1);
    expect(failing.seen).toHaveLength(0);
    expect(failing.errors).toHaveLength(1);
  });

  it("tells its followers a read failed once it takes longer than the read timeout (a store that stopped answering)", async () => {
    const store = reader(new Set(["1"]));
    watcher = new JobWatcher(store.read, TICK_MS, 50);
    const hung = store.hold();
    const following = recorder();
    watcher.watch("1", following);
    await waitFor(() => following.errors.length === 1, { what: "the read to time out" });
    expect(following.errors[0]).toMatchObject({ message: "the store did not answer within 50 ms" });
    expect(following.seen).toEqual([]);
    // While that read hangs, another is not sent beside it: a new follower is told at once.
    const next = recorder();
    watcher.watch("1", next);
    await waitFor(() => next.errors.length === 1, { what: "the next follower to be told" });
    expect(store.reads).toHaveLength(1);
    hung();
    const after = recorder();
    watcher.watch("1", after);
    await waitFor(() => after.seen.length >= 1, { what: "a read once the store answers again" });
  });

  it("stops for good: no more reads, and a new follower is refused", async () => {
    const store = reader(new Set(["1"]));
    watcher = new JobWatcher(store.read, TICK_MS);
    const follower = recorder();
    watcher.watch("1", follower);
    await waitFor(() => follower.seen.length >= 1);
    watcher.stop();
    const reads = store.reads.length;
    await quiet();
    expect(store.reads.length).toBe(reads);
    expect(() => watcher!.watch("1", recorder())).toThrow(/stopped/);
  });
});
