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
} else {
  describe.skip("PostgreSQL flows and batches", () => it("needs a reachable PostgreSQL"));
}

function describeTransactionalCompletion(factory: StoreFactory): void {
  describe("completeJobInTransaction settles flows and batches in the handler's transaction", () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open(await factory.url());
    });
    afterEach(async () => {
      await store.close();
    });

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
