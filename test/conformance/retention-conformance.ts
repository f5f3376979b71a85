import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermanentError } from "../../src/core/errors.js";
import { flowFromStored } from "../../src/core/flow.js";
import { Errand } from "../../src/errand.js";
import type { Job, Lease } from "../../src/core/job.js";
import type { TerminalState } from "../../src/core/states.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

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

    it("with both rules, deletes a job past either: the old ones by age, then all but the newest N", async () => {
      const old = await jobsIn(["canceled", "canceled"]);
      await storeClockPast(old[1]!.finishedAt!, 300);
      const recent = await jobsIn(["canceled", "canceled", "canceled"]);
      const olderThanMs = (await store.now()).getTime() - (old[1]!.finishedAt!.getTime() + recent[0]!.finishedAt!.getTime()) / 2;
      const del = (keepNewest: number) => store.deleteEndedJobs({ state: "canceled", olderThanMs, keepNewest, limit: 100 });
      expect(await del(4)).toBe(2);
      expect(await remainingIds()).toEqual(recent.map((j) => j.id));
      expect(await del(1)).toBe(2);
      expect(await remainingIds()).toEqual([recent[2]!.id]);
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
      await store.markWebhooksEnqueued({ jobs: [owing!] });
      expect(await store.deleteEndedJobs({ state: "completed", olderThanMs: 0, keepNewest: 0, limit: 10 })).toBe(1);
    });

    it("an idempotency key dedupes while its job is kept, and is free once the job is deleted", async () => {
      const [kept] = await jobsIn(["completed"], { idempotencyKey: "signup-42" });
      const [again] = await store.insertJobs({ jobs: [newJob({ idempotencyKey: "signup-42" })] });
      expect(again).toMatchObject({ created: false, job: { id: kept!.id, state: "completed" } });
      await store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 0, limit: 10 });
      const [reused] = await store.insertJobs({ jobs: [newJob({ idempotencyKey: "signup-42" })] });
      expect(reused!.created).toBe(true);
      expect(reused!.job.id).not.toBe(kept!.id);
    });

    it("keeps a flow parent until its children ended; then deletes nodes with their flow, and a batch with its onComplete job", async () => {
      const node = (name: string, parents: string[] = []) => ({
        job: newJob({ type: name, queue: "flow", flowNode: name, parentsWaiting: parents.length, onParentFailure: "cancel" }),
        parents,
      });
      const flow = await store.insertFlow({ nodes: [node("a"), node("b", ["a"])] });
      const batch = await store.insertBatch({
        jobs: [newJob({ queue: "flow" })],
        onComplete: newJob({ type: "done", queue: "flow", payload: "{}", parentsWaiting: 1 }),
      });
      const completeAll = async () => {
        const claimed = await store.claimJobs({ queues: ["flow"], limit: 10, workerId: W, leaseMs: 60_000 });
        await store.completeJobs({ completions: claimed.map((job) => ({ lease: leaseOf(job), result: JSON.stringify(job.type) })) });
        return claimed.length;
      };
      const deleteCompleted = () => store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 0, limit: 100 });

      expect(await completeAll()).toBe(2); // a and the batch member; b and onComplete are released
      // a ended, but b has not run and will read a's result: a stays. The member goes.
      expect(await deleteCompleted()).toBe(1);
      const b = flow.jobs[1]!;
      expect((await store.getParentJobs({ jobId: b.id })).map((p) => p.result)).toEqual(["a"]);
      expect(await store.getBatch({ id: batch.batch.id })).not.toBeNull();

      expect(await completeAll()).toBe(2); // b and onComplete
      expect(await deleteCompleted()).toBe(3);
      expect(await remainingIds()).toEqual([]);
      expect(await store.getFlow({ id: flow.id })).toBeNull();
      expect(await store.getBatch({ id: batch.batch.id })).toBeNull();
    });

    it("keeps a flow parent while a child failed or was canceled (a replay reads its result); lets it go once every child completed", async () => {
      const flow = await store.insertFlow({
        nodes: [
          { job: newJob({ type: "a", queue: "flow", flowNode: "a" }), parents: [] },
          { job: newJob({ type: "b", queue: "flow", flowNode: "b", parentsWaiting: 1, maxAttempts: 1 }), parents: ["a"] },
        ],
      });
      const [a, b] = flow.jobs as [Job, Job];
      const claimOne = async () => (await store.claimJobs({ queues: ["flow"], limit: 1, workerId: W, leaseMs: 60_000 }))[0]!;
      await store.completeJobs({ completions: [{ lease: leaseOf(await claimOne()), result: '"from a"' }] });
      const deleteCompleted = () => store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 0, limit: 100 });

      // b canceled: it may be replayed, and would read a's result, so a stays.
      await store.cancelJob({ id: b.id });
      expect(await deleteCompleted()).toBe(0);
      expect(await store.retryJob({ id: b.id })).toMatchObject({ outcome: "changed", job: { state: "pending" } });
      // b failed for good: the dead-letter set keeps it, and a with it.
      const failed = await store.failJob({ lease: leaseOf(await claimOne()), error: { message: "boom", code: null, stack: null }, retryDelayMs: null });
      expect(failed).toMatchObject({ id: b.id, state: "failed" });
      expect(await deleteCompleted()).toBe(0);
      expect(await store.retryJob({ id: b.id })).toMatchObject({ outcome: "changed", job: { state: "pending" } });
      const replayed = await claimOne();
      expect((await store.getParentJobs({ jobId: replayed.id })).map((p) => p.result)).toEqual(["from a"]);

      // b completed: nothing can run it again, so a and b go, with their flow.
      await store.completeJobs({ completions: [{ lease: leaseOf(replayed), result: null }] });
      expect(await deleteCompleted()).toBe(2);
      expect(await store.getJob({ id: a.id })).toBeNull();
      expect(await store.getFlow({ id: flow.id })).toBeNull();
    });

    it("a flow whose failed or canceled node retention deleted first keeps its state; it goes once its last node does", async () => {
      // a → b (b fails), and beside them c (canceled): the chain's failure, then the cancel, deleted first.
      const flow = await store.insertFlow({
        nodes: [
          { job: newJob({ type: "a", queue: "states", flowNode: "a" }), parents: [] },
          { job: newJob({ type: "b", queue: "states", flowNode: "b", parentsWaiting: 1, maxAttempts: 1 }), parents: ["a"] },
          { job: newJob({ type: "c", queue: "states", flowNode: "c" }), parents: [] },
        ],
      });
      const claimOne = async () => (await store.claimJobs({ queues: ["states"], limit: 1, workerId: W, leaseMs: 60_000 }))[0]!;
      await store.cancelJob({ id: flow.jobs[2]!.id });
      await store.completeJobs({ completions: [{ lease: leaseOf(await claimOne()), result: null }] });
      await store.failJob({ lease: leaseOf(await claimOne()), error, retryDelayMs: null });
      const sweep = (state: TerminalState) => store.deleteEndedJobs({ state, olderThanMs: null, keepNewest: 0, limit: 100 });
      const state = async () => {
        const stored = await store.getFlow({ id: flow.id });
        return stored === null ? "deleted" : `${flowFromStored(stored).state} ${stored.jobs.map((j) => j.type).join("")}`;
      };
      expect(await state()).toBe("failed abc");
      expect([await sweep("canceled"), await state()]).toEqual([1, "failed ab"]);
      expect([await sweep("failed"), await state()]).toEqual([1, "failed a"]); // a alone, completed: the flow still failed
      expect([await sweep("completed"), await state()]).toEqual([1, "deleted"]);
      // A cancel deleted first leaves the flow canceled, not completed.
      const other = await store.insertFlow({
        nodes: ["x", "y"].map((name) => ({ job: newJob({ type: name, queue: "other", flowNode: name }), parents: [] })),
      });
      await store.cancelJob({ id: other.jobs[1]!.id });
      const [x] = await store.claimJobs({ queues: ["other"], limit: 1, workerId: W, leaseMs: 60_000 });
      await store.completeJobs({ completions: [{ lease: leaseOf(x!), result: null }] });
      expect(await sweep("canceled")).toBe(1);
      expect(flowFromStored((await store.getFlow({ id: other.id }))!).state).toBe("canceled");
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

/** Retention as `errand.work()` runs it, and its lease contended by real processes. */
export function describeRetentionRuntime(factory: StoreFactory): void {
  describe(`Retention runtime: ${factory.name}`, () => {
    const dir = tempDir();
    let errand: Errand | null = null;
    afterEach(async () => {
      await errand?.close({ graceMs: 0 });
      errand = null;
    });

    it("work() sweeps by policy: keeps the newest N per state and never touches waiting jobs", async () => {
      errand = await Errand.connect(await factory.open(await factory.url()), {
        retention: { completed: { maxAgeMs: null, maxCount: 3 }, failed: { maxCount: 1 }, intervalMs: 50 },
      });
      // Each job takes 25 ms, so each outcome commits before the next job ends: a job's
      // finished_at is its completion transaction's start, and of two completion commits in
      // flight at once, the one sent later may start first (the other waiting for a connection).
      const ok = errand.define("ok", { handler: async (p: { i: number }) => (await sleep(25), p.i) });
      const bad = errand.define("bad", {
        handler: async () => {
          throw new PermanentError("no");
        },
      });
      const later = await ok.enqueue({ i: -1 }, { delayMs: 60_000 });
      const done = await Promise.all(Array.from({ length: 8 }, (_, i) => ok.enqueue({ i })));
      await Promise.all([bad.enqueue({ i: 0 }), bad.enqueue({ i: 1 })]);
      // Outcomes are stored in batches, two commits at a time, so a later batch can commit first:
      // the counts below are judged only once every outcome is stored (its event emitted).
      let ended = 0;
      for (const name of ["completed", "failed"] as const) errand.on(name, () => void ended++);
      errand.work({ concurrency: 1, pollIntervalMs: 20 });
      await waitFor(() => ended === 10, { what: "all 10 outcomes stored" });
      const byState = async () => {
        const counts = (await errand!.store.countJobs({})).find((c) => c.queue === "default")!.counts;
        return [counts.completed, counts.failed, counts.scheduled];
      };
      await waitFor(async () => (await byState()).join() === "3,1,1", { what: "retention to trim to 3 completed, 1 failed" });
      // Concurrency 1, one commit at a time: jobs finished in enqueue order, so the newest three are the last three.
      const kept = (await errand.listJobs({ state: "completed" })).jobs.map((j) => j.id).sort();
      expect(kept).toEqual(done.slice(-3).map((j) => j.id).sort());
      expect((await errand.getJob(later.id))!.state).toBe("scheduled");
    });

    const leaseRace = async (name: string) => {
      const url = await factory.url();
      await (await factory.open(url)).close(); // migrate once, before the race
      const recordFile = join(dir, `${name}-${factory.name}.log`);
      writeFileSync(recordFile, "");
      const start = (env: Record<string, string>) =>
        startWorkerProcess({ ERRAND_DATABASE_URL: url, RECORD_FILE: recordFile, ...env }, "maintenance-lease-process.mjs");
      /** Each hold: pid, start, end (end undefined while held, or if the holder died). */
      const holds = () => {
        const open = new Map<number, [number, number, number | undefined]>();
        const all: [number, number, number | undefined][] = [];
        for (const line of readFileSync(recordFile, "utf8").trim().split("\n").filter(Boolean)) {
          const [pid, what, at] = line.split(" ") as [string, string, string];
          if (what === "start") {
            const hold: [number, number, number | undefined] = [Number(pid), Number(at), undefined];
            open.set(Number(pid), hold);
            all.push(hold);
          } else open.get(Number(pid))![2] = Number(at);
        }
        return all.sort((a, b) => a[1] - b[1]);
      };
      return { start, holds };
    };

    it("two processes contending for the retention lease never hold it at once, and both get turns", async () => {
      const { start, holds } = await leaseRace("race");
      const children = await Promise.all([1, 2].map(() => start({ DURATION_MS: "1500", HOLD_MS: "10" })));
      expect(await Promise.all(children.map(exited))).toEqual([0, 0]);
      const all = holds();
      expect(new Set(all.map(([pid]) => pid)).size).toBe(2);
      for (let i = 1; i < all.length; i++) expect(all[i]![1]).toBeGreaterThanOrEqual(all[i - 1]![2]!);
    });

    it("a holder killed while holding the lease blocks the others only until its lease runs out", async () => {
      const { start, holds } = await leaseRace("crash");
      const doomed = await start({ DURATION_MS: "60000", HOLD_MS: "60000", LEASE_MS: "1500" });
      const [, heldAt] = await waitFor(() => holds()[0], { what: "first hold" });
      // The survivor contends from before the kill: a lease that ignored its holder would go to it at once.
      const survivor = await start({ DURATION_MS: "5000", HOLD_MS: "10", LEASE_MS: "1500" });
      doomed.kill("SIGKILL");
      await exited(doomed);
      const [, taken] = await waitFor(() => holds().find(([pid]) => pid === survivor.pid), { what: "survivor to take the lease" });
      // heldAt was noted just after the lease was granted; allow for that gap.
      expect(taken).toBeGreaterThanOrEqual(heldAt + 1400);
      survivor.kill("SIGKILL");
    });
  });
}
