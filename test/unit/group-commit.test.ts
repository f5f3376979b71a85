import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/core/errors.js";
import { GroupCommit, UnitFailed } from "../../src/store/group-commit.js";

/** A commit function whose calls stay open until the test releases them. */
function gatedCommits() {
  const calls: { units: number[]; release: () => void }[] = [];
  const commit = (units: number[]) =>
    new Promise<number[]>((resolve) => calls.push({ units, release: () => resolve(units.map((u) => u * 10)) }));
  return { calls, commit };
}

/** Lets every pending callback and scheduled flush run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe("GroupCommit", () => {
  it("with one commit in flight, gathers what arrives meanwhile into the next", async () => {
    const { calls, commit } = gatedCommits();
    const group = new GroupCommit(commit);
    const first = group.submit(1);
    await settle();
    const later = [group.submit(2), group.submit(3)];
    await settle();
    expect(calls.map((c) => c.units)).toEqual([[1]]);
    calls[0]!.release();
    expect(await first).toBe(10);
    await settle();
    expect(calls.map((c) => c.units)).toEqual([[1], [2, 3]]);
    calls[1]!.release();
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it("with two in flight, sends a second commit at once and holds a third until one returns", async () => {
    const { calls, commit } = gatedCommits();
    const group = new GroupCommit(commit, { maxInFlight: 2 });
    const results = [group.submit(1)];
    await settle();
    results.push(group.submit(2));
    await settle();
    results.push(group.submit(3), group.submit(4));
    await settle();
    expect(calls.map((c) => c.units)).toEqual([[1], [2]]);
    calls[1]!.release();
    await settle();
    expect(calls.map((c) => c.units)).toEqual([[1], [2], [3, 4]]);
    let idle = false;
    const idling = group.idle().then(() => (idle = true));
    calls[2]!.release();
    await settle();
    expect(idle).toBe(false);
    calls[0]!.release();
    await idling;
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });

  it("retries each unit of a failed combined commit alone, so one bad unit fails only its caller", async () => {
    const group = new GroupCommit(async (units: number[]) => {
      if (units.includes(2)) throw new Error("bad unit");
      return units;
    }, { maxInFlight: 2 });
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  it("fails every unit, retrying none, when the failed combined commit may have written them", async () => {
    const commits: number[][] = [];
    const group = new GroupCommit(
      async (units: number[]) => {
        commits.push(units);
        throw new Error("connection lost");
      },
      { retryAlone: () => false },
    );
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(commits).toEqual([[1, 2]]);
  });

  it("by default retries none alone when the store was unavailable: each would fail alike, after its own wait", async () => {
    const commits: number[][] = [];
    const group = new GroupCommit(async (units: number[]) => {
      commits.push(units);
      throw new StoreUnavailableError("the store is away");
    });
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it("rejects only the caller of a unit its commit reports failed", async () => {
    const group = new GroupCommit(async (units: number[]) => units.map((u) => (u === 2 ? new UnitFailed(new Error("no")) : u)));
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected"]);
  });
});
