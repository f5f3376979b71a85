import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Lease, NewJob, ParentFailurePolicy } from "../../src/core/job.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const W = "worker-1";
const error = { message: "boom", code: null, stack: null };
const leaseOf = (job: { id: string; attempt: number }): Lease => ({ jobId: job.id, attempt: job.attempt, workerId: W });

/** A flow node as the client hands it to the store. */
const node = (name: string, parents: string[] = [], overrides: Partial<NewJob> & { onParentFailure?: ParentFailurePolicy } = {}) => ({
  job: newJob({ type: name, payload: JSON.stringify({ node: name }), flowNode: name, parentsWaiting: parents.length, onParentFailure: "cancel", ...overrides }),
  parents,
});

/**
 * The store side of flows and batches: every way a job ends releases, cancels or counts what
 * waits for it, in the same transaction. Each backend's test file runs this once.
 */
export function describeFlowBatchStoreConformance(factory: StoreFactory): void {
  describe(`Flow and batch store conformance: ${factory.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open(await factory.url());
    });
    afterEach(async () => {
      await store.close();
    });

    const claimAll = (leaseMs = 30_000) => store.claimJobs({ queues: ["default"], limit: 100, workerId: W, leaseMs });
    const states = async (flowId: string) =>
      Object.fromEntries((await store.getFlow({ id: flowId }))!.jobs.map((j) => [j.flowNode, j.state]));

    it("stores nodes with parents blocked, never claims them, and releases a child when all its parents completed in one completeJobs call", async () => {
      const flow = await store.insertFlow({ nodes: [node("a"), node("b"), node("c", ["a", "b"])] });
      expect(flow.jobs.map((j) => [j.flowNode, j.state, j.flowId])).toEqual([
        ["a", "pending", flow.id],
        ["b", "pending", flow.id],
        ["c", "blocked", flow.id],
      ]);
      expect(flow.dependencies).toHaveLength(2);
      const claimed = await claimAll();
      expect(claimed.map((j) => j.flowNode).sort()).toEqual(["a", "b"]);
      const [a, b] = claimed;
      expect(await store.completeJobs({ completions: [{ lease: leaseOf(a!), result: "1" }] })).toEqual([true]);
      expect(await states(flow.id)).toMatchObject({ c: "blocked" });
      expect(await claimAll()).toHaveLength(0);
      // Two completions in one call, one of them refused (wrong attempt): only the accepted one counts.
      const accepted = await store.completeJobs({
        completions: [
          { lease: { ...leaseOf(b!), attempt: 99 }, result: null },
          { lease: leaseOf(b!), result: '"b"' },
        ],
      });
      expect(accepted).toEqual([false, true]);
      expect(await states(flow.id)).toMatchObject({ a: "completed", b: "completed", c: "pending" });
      const [c] = await claimAll();
      expect(c!.flowNode).toBe("c");
      const parents = await store.getParentJobs({ jobId: c!.id });
      expect(parents.map((p) => [p.flowNode, p.result])).toEqual([["a", 1], ["b", "b"]]);
    });

    it("completes plain jobs, flow nodes, batch members and refused completions together in one completeJobs call", async () => {
      const [plain] = await store.insertJobs({ jobs: [newJob()] });
      const flow = await store.insertFlow({ nodes: [node("a"), node("b", ["a"])] });
      const inserted = await store.insertBatch({ jobs: [newJob()], onComplete: newJob({ type: "done", payload: "{}", parentsWaiting: 1 }) });
      const claimed = new Map((await claimAll()).map((j) => [j.id, j]));
      expect(claimed.size).toBe(3);
      const lease = (id: string) => leaseOf(claimed.get(id)!);
      const accepted = await store.completeJobs({
        // Newest first: each answer must still land at its own position.
        completions: [
          { lease: lease(inserted.jobs[0]!.id), result: "3" },
          { lease: lease(flow.jobs[0]!.id), result: "2" },
          { lease: { ...lease(flow.jobs[0]!.id), workerId: "someone-else" }, result: null },
          { lease: lease(plain!.job.id), result: "1" },
        ],
      });
      expect(accepted).toEqual([true, true, false, true]);
      expect(await states(flow.id)).toEqual({ a: "completed", b: "pending" });
      expect((await store.getJob({ id: inserted.onComplete.id }))!.state).toBe("pending");
      expect((await store.getJob({ id: plain!.job.id }))!.result).toBe(1);
    });

    it("releases a child whose run time is ahead as scheduled", async () => {
      const flow = await store.insertFlow({ nodes: [node("a"), node("later", ["a"], { delayMs: 60_000 })] });
      const [a] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(a!), result: null }] });
      expect(await states(flow.id)).toMatchObject({ later: "scheduled" });
    });

    it("failJob without retry cancels `cancel` descendants recursively and releases `continue` children", async () => {
      const flow = await store.insertFlow({
        nodes: [
          node("a"),
          node("b", ["a"]),
          node("c", ["b"]),
          node("d", ["c"], { onParentFailure: "continue" }),
          node("keepsGoing", ["a"], { onParentFailure: "continue" }),
        ],
      });
      const [a] = await claimAll();
      const retried = await store.failJob({ lease: leaseOf(a!), error, retryDelayMs: 0 });
      expect(retried!.state).not.toBe("failed");
      expect(await states(flow.id)).toMatchObject({ b: "blocked", keepsGoing: "blocked" });
      const [again] = await waitFor(() => claimAll().then((j) => (j.length ? j : null)));
      await store.failJob({ lease: leaseOf(again!), error, retryDelayMs: null });
      // d continues after c was canceled: it is released, as c was its only parent.
      expect(await states(flow.id)).toEqual({ a: "failed", b: "canceled", c: "canceled", d: "pending", keepsGoing: "pending" });
      const canceled = (await store.getFlow({ id: flow.id }))!.jobs.find((j) => j.flowNode === "b")!;
      expect(canceled.finishedAt).not.toBeNull();
    });

    it("rescueExpiredLeases ending a job failed cancels its children", async () => {
      const flow = await store.insertFlow({ nodes: [node("a", [], { maxAttempts: 1 }), node("b", ["a"])] });
      await claimAll(1);
      await waitFor(async () => (await store.rescueExpiredLeases({ limit: 10 })).length > 0, { what: "rescue" });
      expect(await states(flow.id)).toEqual({ a: "failed", b: "canceled" });
    });

    it("cancelJob on a parent cascades; cancelFlow cancels every unfinished node, running ones included", async () => {
      const flow = await store.insertFlow({ nodes: [node("a"), node("b", ["a"]), node("c", ["b"])] });
      const result = await store.cancelJob({ id: flow.jobs[0]!.id });
      expect(result.outcome).toBe("changed");
      expect(await states(flow.id)).toEqual({ a: "canceled", b: "canceled", c: "canceled" });

      const other = await store.insertFlow({ nodes: [node("x"), node("y"), node("z", ["x", "y"])] });
      const [x, running] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(x!), result: null }] });
      const after = await store.cancelFlow({ id: other.id });
      expect(Object.fromEntries(after!.flow.jobs.map((j) => [j.flowNode, j.state]))).toEqual({ x: "completed", y: "canceled", z: "canceled" });
      expect(after!.canceledIds.sort()).toEqual([running!.id, other.jobs[2]!.id].sort());
      // The canceled running job's worker has lost its lease: its late completion is refused.
      expect(await store.completeJobs({ completions: [{ lease: leaseOf(running!), result: null }] })).toEqual([false]);
      expect(await store.cancelFlow({ id: "999999" })).toBeNull();
      expect(await store.getFlow({ id: "999999" })).toBeNull();
    });

    it("a replayed parent that ends again does not release its children twice", async () => {
      const flow = await store.insertFlow({
        nodes: [node("a"), node("b"), node("c", ["a", "b"], { onParentFailure: "continue" })],
      });
      const claimed = await claimAll();
      const a = claimed.find((j) => j.flowNode === "a")!;
      await store.failJob({ lease: leaseOf(a), error, retryDelayMs: null });
      await store.retryJob({ id: a.id });
      const [again] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(again!), result: null }] });
      expect(await states(flow.id)).toMatchObject({ a: "completed", b: "running", c: "blocked" });
    });

    it("a replayed parent is waited for again: by a child canceled for its failure and then replayed, and by one still waiting on others", async () => {
      // a → b → c: b fails, which cancels c. Replaying b and then c: c waits for b's new run.
      const chain = await store.insertFlow({ nodes: [node("a"), node("b", ["a"]), node("c", ["b"])] });
      const [a] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(a!), result: null }] });
      const [b] = await claimAll();
      await store.failJob({ lease: leaseOf(b!), error, retryDelayMs: null });
      expect(await states(chain.id)).toEqual({ a: "completed", b: "failed", c: "canceled" });
      expect(await store.retryJob({ id: b!.id })).toMatchObject({ job: { state: "pending" } });
      expect(await store.retryJob({ id: chain.jobs[2]!.id })).toMatchObject({ job: { state: "blocked" } });
      const [bAgain] = await claimAll();
      expect(bAgain!.flowNode).toBe("b");
      expect(await claimAll()).toHaveLength(0); // c is not taken while b runs
      await store.completeJobs({ completions: [{ lease: leaseOf(bAgain!), result: null }] });
      expect(await states(chain.id)).toEqual({ a: "completed", b: "completed", c: "pending" });

      // x, y → z (continue): x fails and z goes on waiting for y. Replaying x makes z wait for it too.
      const fan = await store.insertFlow({
        nodes: [node("x"), node("y"), node("z", ["x", "y"], { onParentFailure: "continue" })],
      });
      const claimed = await claimAll();
      const x = claimed.find((j) => j.flowNode === "x")!;
      const y = claimed.find((j) => j.flowNode === "y")!;
      await store.failJob({ lease: leaseOf(x), error, retryDelayMs: null });
      await store.retryJob({ id: x.id });
      await store.completeJobs({ completions: [{ lease: leaseOf(y), result: null }] });
      expect(await states(fan.id)).toEqual({ x: "pending", y: "completed", z: "blocked" });
      const [xAgain] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(xAgain!), result: null }] });
      expect(await states(fan.id)).toEqual({ x: "completed", y: "completed", z: "pending" });
    });

    it("a child canceled for its parent's failure, replayed before the parent, waits for the parent to be replayed and complete", async () => {
      // p → c (cancel): p fails, c is canceled. Replaying c alone must not run it without p's result.
      const flow = await store.insertFlow({ nodes: [node("p"), node("c", ["p"])] });
      const [p] = await claimAll();
      await store.failJob({ lease: leaseOf(p!), error, retryDelayMs: null });
      expect(await states(flow.id)).toEqual({ p: "failed", c: "canceled" });
      expect(await store.retryJob({ id: flow.jobs[1]!.id })).toMatchObject({ outcome: "changed", job: { state: "blocked" } });
      expect(await claimAll()).toHaveLength(0);
      // Its parent's replay adds no second wait: once p completes, c runs.
      await store.retryJob({ id: p!.id });
      const [pAgain] = await claimAll();
      expect(pAgain!.flowNode).toBe("p");
      await store.completeJobs({ completions: [{ lease: leaseOf(pAgain!), result: null }] });
      expect(await states(flow.id)).toEqual({ p: "completed", c: "pending" });
      const [c] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(c!), result: null }] });
      // A parent that fails again cancels it again.
      const again = await store.insertFlow({ nodes: [node("p"), node("c", ["p"])] });
      const [q] = await claimAll();
      await store.failJob({ lease: leaseOf(q!), error, retryDelayMs: null });
      await store.retryJob({ id: again.jobs[1]!.id });
      await store.retryJob({ id: q!.id });
      const [qAgain] = await claimAll();
      await store.failJob({ lease: leaseOf(qAgain!), error, retryDelayMs: null });
      expect(await states(again.id)).toEqual({ p: "failed", c: "canceled" });
    });

    it("a flow child canceled while it waited, replayed, waits again for the parents that have not ended", async () => {
      const flow = await store.insertFlow({
        nodes: [node("a"), node("b"), node("c", ["a", "b"], { onParentFailure: "continue" })],
      });
      const c = flow.jobs[2]!;
      const claimed = await claimAll();
      const a = claimed.find((j) => j.flowNode === "a")!;
      const b = claimed.find((j) => j.flowNode === "b")!;
      await store.cancelJob({ id: c.id });
      // a ends while c is canceled: its edge is applied, c stays canceled.
      await store.completeJobs({ completions: [{ lease: leaseOf(a), result: null }] });
      expect(await store.retryJob({ id: c.id })).toMatchObject({ outcome: "changed", job: { state: "blocked" } });
      expect(await claimAll()).toHaveLength(0);
      await store.completeJobs({ completions: [{ lease: leaseOf(b), result: null }] });
      expect(await states(flow.id)).toMatchObject({ c: "pending" });
      // Replayed once its parents have all ended, it is runnable at once.
      const [running] = await claimAll();
      await store.cancelJob({ id: running!.id });
      expect(await store.retryJob({ id: c.id })).toMatchObject({ outcome: "changed", job: { state: "pending" } });
    });

    it("a batch's onComplete job canceled while it waited, replayed, waits for the batch again, or runs with its summary once it ended", async () => {
      const first = await store.insertBatch({ jobs: [newJob()], onComplete: newJob({ type: "done", payload: "{}", parentsWaiting: 1 }) });
      await store.cancelJob({ id: first.onComplete.id });
      expect(await store.retryJob({ id: first.onComplete.id })).toMatchObject({ outcome: "changed", job: { state: "blocked" } });
      expect((await claimAll()).map((j) => j.id)).toEqual([first.jobs[0]!.id]);
      await store.cancelJob({ id: first.jobs[0]!.id });
      const released = (await store.getJob({ id: first.onComplete.id }))!;
      expect(released).toMatchObject({ state: "pending", payload: { batchId: first.batch.id, canceled: 1 } });

      const second = await store.insertBatch({ jobs: [newJob()], onComplete: newJob({ type: "done", payload: '{"x":1}', parentsWaiting: 1 }) });
      await store.cancelJob({ id: second.onComplete.id });
      await store.cancelJob({ id: second.jobs[0]!.id });
      const replayed = await store.retryJob({ id: second.onComplete.id });
      expect(replayed).toMatchObject({ outcome: "changed", job: { state: "pending", payload: { x: 1, batchId: second.batch.id, canceled: 1 } } });
    });

    it("a batch's onComplete job in its members' group takes its turn after them, not before (it would hold the group forever)", async () => {
      const grouped = { groupKey: "g", groupLimit: 1 };
      const { jobs, onComplete } = await store.insertBatch({
        jobs: [newJob(grouped), newJob(grouped)],
        onComplete: newJob({ ...grouped, type: "done", payload: "{}", parentsWaiting: 1 }),
      });
      for (const member of jobs) {
        const [claimed] = await claimAll();
        expect(claimed?.id).toBe(member.id);
        await store.completeJobs({ completions: [{ lease: leaseOf(claimed!), result: null }] });
      }
      const [last] = await claimAll();
      expect(last?.id).toBe(onComplete.id);
    });

    it("a member replayed before its batch ended stops counting until it ends again", async () => {
      const { batch, jobs, onComplete } = await store.insertBatch({
        jobs: [newJob(), newJob()],
        onComplete: newJob({ type: "done", payload: "{}", parentsWaiting: 1 }),
      });
      await store.cancelJob({ id: jobs[0]!.id });
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ canceled: 1 });
      await store.retryJob({ id: jobs[0]!.id });
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ state: "running", canceled: 0 });
      const [second] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: W, leaseMs: 30_000 });
      await store.completeJobs({ completions: [{ lease: leaseOf(second!), result: null }] });
      expect((await store.getJob({ id: onComplete.id }))!.state).toBe("blocked");
      const [first] = await claimAll();
      await store.completeJobs({ completions: [{ lease: leaseOf(first!), result: null }] });
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ state: "ended", completed: 2, canceled: 0 });
      expect((await store.getJob({ id: onComplete.id }))!.payload).toMatchObject({ completed: 2, canceled: 0 });
    });

    it("counts batch members through every ending and releases the onComplete job once, with the summary in its payload", async () => {
      const inserted = await store.insertBatch({
        jobs: [newJob({ maxAttempts: 1 }), newJob(), newJob(), newJob(), newJob({ delayMs: 60_000 })],
        onComplete: newJob({ type: "done", payload: '{"campaign":"c1","meta":{"zone":"eu","at":1}}', parentsWaiting: 1 }),
      });
      const { batch } = inserted;
      expect(batch).toMatchObject({ state: "running", total: 5, completed: 0, failed: 0, canceled: 0, onCompleteJobId: inserted.onComplete.id });
      expect(inserted.onComplete.state).toBe("blocked");
      expect(inserted.jobs.every((j) => j.batchId === batch.id)).toBe(true);

      const [expiring, failing, completing, canceling] = inserted.jobs;
      // Claim the first with a short lease (it expires), then the rest with a long one.
      await store.claimJobs({ queues: ["default"], limit: 1, workerId: W, leaseMs: 1 });
      const claimed = await claimAll();
      const byId = new Map(claimed.map((j) => [j.id, j]));
      await store.failJob({ lease: leaseOf(byId.get(failing!.id)!), error, retryDelayMs: null });
      await store.completeJobs({ completions: [{ lease: leaseOf(byId.get(completing!.id)!), result: null }] });
      await store.cancelJob({ id: canceling!.id });
      await waitFor(async () => (await store.rescueExpiredLeases({ limit: 10 })).length > 0, { what: "rescue" });
      expect((await store.getJob({ id: expiring!.id }))!.state).toBe("failed");
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ state: "running", completed: 1, failed: 2, canceled: 1 });
      expect((await store.getJob({ id: inserted.onComplete.id }))!.state).toBe("blocked");

      await store.cancelJob({ id: inserted.jobs[4]!.id });
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ state: "ended", completed: 1, failed: 2, canceled: 2 });
      const callback = (await store.getJob({ id: inserted.onComplete.id }))!;
      expect(callback.state).toBe("pending");
      const merged = { campaign: "c1", meta: { zone: "eu", at: 1 }, batchId: batch.id, completed: 1, failed: 2, canceled: 2 };
      // Key order too, nested objects' included: the payload as the application wrote it, then the summary.
      expect(JSON.stringify(callback.payload)).toBe(JSON.stringify(merged));
      // A replay once the batch has ended merges the summary again: replaced, not repeated.
      const [run] = await claimAll();
      expect(run!.id).toBe(callback.id);
      await store.failJob({ lease: leaseOf(run!), error, retryDelayMs: null });
      await store.retryJob({ id: callback.id });
      expect(JSON.stringify((await store.getJob({ id: callback.id }))!.payload)).toBe(JSON.stringify(merged));
      // Replaying a member after its batch ended counts nothing again.
      expect(await store.retryJob({ id: inserted.jobs[0]!.id })).toMatchObject({ outcome: "changed" });
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ completed: 1, failed: 2, canceled: 2 });
      await store.retryJob({ id: canceling!.id });
      await store.cancelJob({ id: canceling!.id });
      expect(await store.getBatch({ id: batch.id })).toMatchObject({ completed: 1, failed: 2, canceled: 2 });
      expect(await store.getBatch({ id: "999999" })).toBeNull();
    });
  });
}
