import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job, Lease } from "../../src/core/job.js";
import type { TerminalState } from "../../src/core/states.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const W = "worker-1";
const leaseOf = (job: Job): Lease => ({ jobId: job.id, attempt: job.attempt, workerId: W });
const error = { message: "boom", code: null, stack: null };

/** The store methods retention builds on: deleting ended jobs, and the maintenance lease. */
export function describeRetentionConformance(factory: StoreFactory): void {
  describe(`Retention conformance: ${factory.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open(await factory.url());
    });
    afterEach(async () => {
      await store.close();
    });

    let calls = 0;
    /** Inserts one job per state asked for and drives it there; returns the jobs in input order. */
    const jobsIn = async (states: (TerminalState | "pending" | "running")[], overrides: Parameters<typeof newJob>[0] = {}) => {
      // A queue per call, so an earlier call's pending job is not claimed here.
      const queue = `q${++calls}`;
      const inserted = await store.insertJobs({ jobs: states.map((state) => newJob({ ...overrides, type: state, queue })) });
      const claimed = await store.claimJobs({ queues: [queue], limit: states.length, workerId: W, leaseMs: 60_000 });
      const byId = new Map(claimed.map((j) => [j.id, j]));
      for (const [i, state] of states.entries()) {
        const job = byId.get(inserted[i]!.job.id);
        if (job === undefined) throw new Error("a job was not claimed");
        if (state === "completed") await store.completeJobs({ completions: [{ lease: leaseOf(job), result: null }] });
        if (state === "failed") await store.failJob({ lease: leaseOf(job), error, retryDelayMs: null });
        if (state === "canceled") await store.cancelJob({ id: job.id });
        if (state === "pending") await store.releaseJobs({ leases: [leaseOf(job)] });
      }
      return Promise.all(inserted.map(async ({ job }) => (await store.getJob({ id: job.id }))!));
    };
    const remainingIds = async () => (await store.listJobs({ limit: 1000 })).jobs.map((j) => j.id).sort((a, b) => Number(a) - Number(b));
    /** Waits until the store's clock is `ms` past `since`, so finish times are clearly apart. */
    const storeClockPast = (since: Date, ms: number) =>
      waitFor(async () => (await store.now()).getTime() >= since.getTime() + ms, { what: "store clock to move on" });

    it("deletes by age exactly the ended jobs of the state that finished before the cutoff", async () => {
      const old = await jobsIn(["completed", "completed", "failed", "pending", "running"]);
      await storeClockPast(old[1]!.finishedAt!, 300);
      const recent = await jobsIn(["completed", "failed"]);
      // A cutoff halfway between the two groups, as an age relative to the store's clock now.
      const midpoint = (old[1]!.finishedAt!.getTime() + recent[0]!.finishedAt!.getTime()) / 2;
      const olderThanMs = (await store.now()).getTime() - midpoint;

      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs, keepNewest: null, limit: 100 })).toBe(2);
      expect(await remainingIds()).toEqual([old[2]!, old[3]!, old[4]!, ...recent].map((j) => j.id));
      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs, keepNewest: null, limit: 100 })).toBe(0);
    });

    it("deletes by count all but the newest N of the state, and never a waiting or running job", async () => {
      const jobs = await jobsIn(["completed", "completed", "completed", "completed", "canceled", "pending", "running"]);
      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 1, limit: 100 })).toBe(3);
      // Completed jobs finished in id order (ties broken by id), so the newest is the last.
      expect(await remainingIds()).toEqual([jobs[3]!, jobs[4]!, jobs[5]!, jobs[6]!].map((j) => j.id));
      for (const state of ["completed", "failed", "canceled"] as const)
        await store.deleteEndedJobs({ state, olderThanMs: 0, keepNewest: 0, limit: 100 });
      expect(await remainingIds()).toEqual([jobs[5]!.id, jobs[6]!.id]);
      expect((await store.getJob({ id: jobs[5]!.id }))!.state).toBe("pending");
      expect((await store.getJob({ id: jobs[6]!.id }))!.state).toBe("running");
    });

    it("deletes at most `limit` rows per call, oldest first, and says how many", async () => {
      const jobs = await jobsIn(Array.from({ length: 7 }, () => "failed" as const));
      const del = () => store.deleteEndedJobs({ state: "failed", olderThanMs: null, keepNewest: 0, limit: 3 });
      expect(await del()).toBe(3);
      expect(await remainingIds()).toEqual(jobs.slice(3).map((j) => j.id));
      expect([await del(), await del(), await del()]).toEqual([3, 1, 0]);
    });

    it("keeps an ended job whose webhook is not yet enqueued", async () => {
      const [owing] = await jobsIn(["completed"], { webhookUrl: "https://example.com/hook" });
      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs: 0, keepNewest: 0, limit: 10 })).toBe(0);
      await store.markWebhooksEnqueued({ ids: [owing!.id] });
      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs: 0, keepNewest: 0, limit: 10 })).toBe(1);
    });

    it("an idempotency key dedupes while its job is kept, and is free once the job is deleted", async () => {
      const [kept] = await jobsIn(["completed"], { idempotencyKey: "signup-42" });
      const [again] = await store.insertJobs({ jobs: [newJob({ idempotencyKey: "signup-42" })] });
      expect(again).toMatchObject({ created: false, job: { id: kept!.id, state: "completed" } });
      await store.deleteEndedJobs({ state: "completed", olderThanMs: 0, keepNewest: null, limit: 10 });
      const [reused] = await store.insertJobs({ jobs: [newJob({ idempotencyKey: "signup-42" })] });
      expect(reused!.created).toBe(true);
      expect(reused!.job.id).not.toBe(kept!.id);
    });

    it("grants a maintenance lease to one holder at a time, renews it, and hands it on when released or expired", async () => {
      const take = (holder: string, leaseMs = 60_000) => store.takeMaintenanceLease({ name: "retention", holder, leaseMs });
      expect(await take("a")).toBe(true);
      expect(await take("b")).toBe(false);
      expect(await take("a")).toBe(true);
      expect(await store.takeMaintenanceLease({ name: "other", holder: "b", leaseMs: 60_000 })).toBe(true);
      await store.releaseMaintenanceLease({ name: "retention", holder: "b" });
      expect(await take("b")).toBe(false);
      await store.releaseMaintenanceLease({ name: "retention", holder: "a" });
      expect(await take("b", 200)).toBe(true);
      // b "crashes" holding it: a gets it once b's lease has run out, not before.
      expect(await take("a")).toBe(false);
      expect(await waitFor(() => take("a"), { what: "expired lease to be taken over" })).toBe(true);
      expect(await take("b")).toBe(false);
    });
  });
}
