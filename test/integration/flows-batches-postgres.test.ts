import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { describeFlowBatchRuntimeConformance } from "../conformance/flow-batch-runtime-conformance.js";
import { describeFlowBatchStoreConformance } from "../conformance/flow-batch-store-conformance.js";
import { describeServerFlowRoutes } from "../conformance/server-flow-routes.js";
import { newJob } from "../helpers/new-job.js";
import { postgresFactory } from "../helpers/postgres-factory.js";
import type { StoreFactory } from "../helpers/store-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeFlowBatchStoreConformance(factory);
  describeFlowBatchRuntimeConformance(factory);
  describeServerFlowRoutes(factory);
  describeTransactionalCompletion(factory);
  describeReplayRacingEndings(factory);
} else {
  describe.skip("PostgreSQL flows and batches", () => it("needs a reachable PostgreSQL"));
}

/** A fresh store for each test of the enclosing describe, closed after it. */
function openStorePerTest(factory: StoreFactory): Store {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await factory.open(await factory.url());
  });
  afterEach(async () => {
    await current!.close();
  });
  // Read at call time, inside each test.
  return new Proxy({} as Store, { get: (_, key) => Reflect.get(current!, key, current) });
}

function describeTransactionalCompletion(factory: StoreFactory): void {
  describe("completeJobInTransaction settles flows and batches in the handler's transaction", () => {
    const store = openStorePerTest(factory);

    it("releases children and counts the batch when it commits, and nothing when it rolls back", async () => {
      const node = (name: string, parents: string[]) => ({
        job: newJob({ flowNode: name, parentsWaiting: parents.length, onParentFailure: "cancel" }),
        parents,
      });
      const flow = await store.insertFlow({ nodes: [node("a", []), node("b", ["a"])] });
      const batch = await store.insertBatch({ jobs: [newJob()], onComplete: newJob({ payload: "{}", parentsWaiting: 1 }) });
      const claimed = await store.claimJobs({ queues: ["default"], limit: 10, workerId: "w", leaseMs: 30_000 });
      expect(claimed).toHaveLength(2);
      const lease = (job: { id: string; attempt: number }) => ({ jobId: job.id, attempt: job.attempt, workerId: "w" });

      const failing = store.completeJobInTransaction!({
        lease: lease(claimed[0]!),
        work: async () => {
          throw new Error("handler's own write failed");
        },
      });
      await expect(failing).rejects.toThrow("handler's own write failed");
      expect((await store.getFlow({ id: flow.id }))!.jobs.map((j) => j.state)).toEqual(["running", "blocked"]);

      for (const job of claimed) expect(await store.completeJobInTransaction!({ lease: lease(job), work: async () => "1" })).toBe(true);
      expect((await store.getFlow({ id: flow.id }))!.jobs.map((j) => j.state)).toEqual(["completed", "pending"]);
      expect((await store.getJob({ id: batch.onComplete.id }))!.state).toBe("pending");
      expect(await store.getBatch({ id: batch.batch.id })).toMatchObject({ state: "ended", completed: 1 });
    });
  });
}

/**
 * A flow child or onComplete job replayed (back to blocked) while its last parent or member
 * ends in another transaction: whichever commits first, the job is released, never left
 * blocked (a child whose parent failed or was canceled waits for that parent's replay, and is
 * released when it completes). The race is real only on PostgreSQL (SQLite runs one write at a time); before the
 * replay locked the parents and the callback release read the job in a statement of its own,
 * most of these rounds left it blocked forever.
 */
function describeReplayRacingEndings(factory: StoreFactory): void {
  describe("a replay racing the ending it waits for", () => {
    const store = openStorePerTest(factory);

    it("never leaves a flow child or an onComplete job blocked", async () => {
      const error = { message: "boom", code: null, stack: null };
      const stuck: string[] = [];
      for (let i = 0; i < 80; i++) {
        const flow = await store.insertFlow({
          nodes: [
            { job: newJob({ flowNode: "a", queue: `a${i}` }), parents: [] },
            { job: newJob({ flowNode: "c", queue: `c${i}`, parentsWaiting: 1, onParentFailure: "cancel" }), parents: ["a"] },
          ],
        });
        const child = flow.jobs[1]!.id;
        const [a] = await store.claimJobs({ queues: [`a${i}`], limit: 1, workerId: "w", leaseMs: 30_000 });
        const parentLease = { jobId: a!.id, attempt: a!.attempt, workerId: "w" };
        await store.cancelJob({ id: child });
        const endParent = [
          () => store.completeJobs({ completions: [{ lease: parentLease, result: null }] }),
          () => store.failJob({ lease: parentLease, error, retryDelayMs: null }),
          () => store.cancelJob({ id: a!.id }),
        ][i % 3]!;
        const replay = () => store.retryJob({ id: child });
        await Promise.all(i % 2 === 0 ? [endParent(), replay()] : [replay(), endParent()]);
        if ((await store.getJob({ id: child }))!.state === "blocked") {
          // Blocked on a parent that did not complete, it waits for the parent's replay: that
          // must release it once it completes.
          if ((await store.getJob({ id: a!.id }))!.state === "completed") stuck.push(`flow round ${i}`);
          else {
            await store.retryJob({ id: a!.id });
            const [again] = await store.claimJobs({ queues: [`a${i}`], limit: 1, workerId: "w", leaseMs: 30_000 });
            await store.completeJobs({ completions: [{ lease: { jobId: again!.id, attempt: again!.attempt, workerId: "w" }, result: null }] });
            if ((await store.getJob({ id: child }))!.state !== "pending") stuck.push(`flow round ${i}, after its parent's replay`);
          }
        }

        const batch = await store.insertBatch({
          jobs: [newJob({ queue: `m${i}` })],
          onComplete: newJob({ queue: `o${i}`, payload: "{}", parentsWaiting: 1 }),
        });
        const [m] = await store.claimJobs({ queues: [`m${i}`], limit: 1, workerId: "w", leaseMs: 30_000 });
        const memberLease = { jobId: m!.id, attempt: m!.attempt, workerId: "w" };
        await store.cancelJob({ id: batch.onComplete.id });
        const endMember = [
          () => store.completeJobs({ completions: [{ lease: memberLease, result: null }] }),
          () => store.failJob({ lease: memberLease, error, retryDelayMs: null }),
          () => store.cancelJob({ id: m!.id }),
        ][i % 3]!;
        const replayCallback = () => store.retryJob({ id: batch.onComplete.id });
        await Promise.all(i % 2 === 0 ? [endMember(), replayCallback()] : [replayCallback(), endMember()]);
        const callback = (await store.getJob({ id: batch.onComplete.id }))!;
        if (callback.state === "blocked") stuck.push(`batch round ${i}`);
        else expect(callback.payload).toMatchObject({ batchId: batch.batch.id });
      }
      expect(stuck).toEqual([]);
    }, 60_000);
  });
}
