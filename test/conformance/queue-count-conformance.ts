import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job, Lease } from "../../src/core/job.js";
import { emptyStateCounts } from "../../src/store/queue-counts.js";
import type { QueueCounts, Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";

const W = "worker-1";
const error = { message: "boom", code: null, stack: null };
const leaseOf = (job: Job): Lease => ({ jobId: job.id, attempt: job.attempt, workerId: W });
const node = (name: string, queue: string, parents: string[] = []) => ({
  job: newJob({ type: name, queue, flowNode: name, parentsWaiting: parents.length, onParentFailure: "cancel" }),
  parents,
});

/**
 * Queue counts are kept apart from the jobs they count (ended jobs are tallied as they change,
 * so a count need not read every kept job): after each way a job can end, be replayed or be
 * deleted, they must equal what listing every job finds. Each backend's test file runs this once.
 */
export function describeQueueCountConformance(factory: StoreFactory): void {
  describe(`Queue count conformance: ${factory.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open(await factory.url());
    });
    afterEach(async () => {
      await store.close();
    });

    /** Every job listed, counted per queue and visible state: what countJobs must say. */
    const listedCounts = async (): Promise<QueueCounts[]> => {
      const byQueue = new Map<string, QueueCounts["counts"]>();
      let cursor: string | undefined;
      do {
        const page = await store.listJobs({ limit: 100, cursor });
        for (const job of page.jobs) {
          if (!byQueue.has(job.queue)) byQueue.set(job.queue, emptyStateCounts());
          byQueue.get(job.queue)![job.state] += 1;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return [...byQueue].map(([queue, counts]) => ({ queue, counts })).sort((a, b) => a.queue.localeCompare(b.queue));
    };
    const expectCountsExact = async (step: string) => {
      const expected = await listedCounts();
      expect(await store.countJobs({}), step).toEqual(expected);
      expect(await store.countJobs({ queues: ["b", "nowhere"] }), `${step}, queue b`).toEqual(expected.filter((c) => c.queue === "b"));
    };
    const claim = (queues: string[], limit: number, leaseMs = 30_000) => store.claimJobs({ queues, limit, workerId: W, leaseMs });

    it("match the jobs listed after every way a job ends, is replayed and is deleted", async () => {
      await store.insertJobs({
        jobs: [
          ...Array.from({ length: 4 }, () => newJob({ queue: "a" })),
          ...Array.from({ length: 3 }, () => newJob({ queue: "b", maxAttempts: 1 })),
          newJob({ queue: "b", delayMs: 60_000 }),
        ],
      });
      await expectCountsExact("inserted");

      const [a1, a2, a3] = await claim(["a"], 3);
      expect(await store.completeJobs({ completions: [{ lease: leaseOf(a1!), result: null }, { lease: leaseOf(a2!), result: "1" }] })).toEqual([true, true]);
      // Sent again (its reply lost): accepted as done, counted once.
      await store.completeJobs({ completions: [{ lease: leaseOf(a1!), result: null }] });
      await store.failJob({ lease: leaseOf(a3!), error, retryDelayMs: 60_000 });
      await expectCountsExact("completed twice, one waiting to retry");

      const [b1, b2] = await claim(["b"], 2);
      await store.failJob({ lease: leaseOf(b1!), error, retryDelayMs: null });
      expect((await store.cancelJob({ id: b2!.id })).outcome).toBe("changed");
      const [a4] = (await store.listJobs({ limit: 10, state: "pending", queue: "a" })).jobs;
      expect((await store.cancelJob({ id: a4!.id })).outcome).toBe("changed");
      expect((await store.cancelJob({ id: a4!.id })).outcome).not.toBe("changed");
      await expectCountsExact("failed, canceled running and pending, canceled again");

      const [b3] = await claim(["b"], 1, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await store.rescueExpiredLeases({ limit: 10 })).map((j) => [j.id, j.state])).toEqual([[b3!.id, "failed"]]);
      await expectCountsExact("lease expired on the last attempt");

      const failing = await store.insertFlow({ nodes: [node("parent", "b"), node("child", "b", ["parent"])] });
      const [parent] = await claim(["b"], 1);
      expect(parent!.flowId).toBe(failing.id);
      await store.failJob({ lease: leaseOf(parent!), error, retryDelayMs: null });
      const canceled = await store.insertFlow({ nodes: [node("first", "a"), node("second", "a", ["first"])] });
      await store.cancelFlow({ id: canceled.id });
      await expectCountsExact("a flow's parent failed and its child canceled; a flow canceled");

      for (const id of [b1!.id, b2!.id, b3!.id, a4!.id]) expect((await store.retryJob({ id })).outcome).toBe("changed");
      await expectCountsExact("replayed");
      const replayed = await claim(["a", "b"], 10);
      await store.completeJobs({ completions: replayed.map((job) => ({ lease: leaseOf(job), result: null })) });
      await expectCountsExact("replayed and completed");

      const batch = await store.insertBatch({ jobs: [newJob({ queue: "b" }), newJob({ queue: "b" })], onComplete: newJob({ queue: "a", parentsWaiting: 1 }) });
      const members = await claim(["b"], 10);
      expect(members.map((j) => j.batchId)).toEqual([batch.batch.id, batch.batch.id]);
      await store.completeJobs({ completions: members.map((job) => ({ lease: leaseOf(job), result: null })) });
      await expectCountsExact("a batch's members completed, its onComplete job released");

      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 0, limit: 3 })).toBe(3);
      expect(await store.deleteEndedJobs({ state: "canceled", olderThanMs: null, keepNewest: 0, limit: 100 })).toBeGreaterThan(0);
      await expectCountsExact("retention deleted some completed and every canceled job");
      // The failed flow parent goes once its canceled child has.
      expect(await store.deleteEndedJobs({ state: "failed", olderThanMs: null, keepNewest: 0, limit: 100 })).toBeGreaterThan(0);
      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 0, limit: 100 })).toBeGreaterThan(0);
      await expectCountsExact("every ended job deleted");
    });
  });
}
