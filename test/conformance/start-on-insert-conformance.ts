import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import type { JobEventName } from "../../src/core/events.js";
import type { Job } from "../../src/core/job.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { startWorkerProcess } from "../helpers/worker-process.js";

const fast = { leaseMs: 2_000, heartbeatMs: 100, pollIntervalMs: 50, reaperIntervalMs: 100 };

/**
 * A job enqueued in a process whose worker sits idle is inserted already claimed by that worker
 * (Store.insertClaimedJob, Worker.reserveSlotFor) and starts without a claim. Each backend runs this once.
 */
export function describeStartOnInsertConformance(factory: StoreFactory): void {
  describe(`Store.insertClaimedJob: ${factory.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open(await factory.url());
    });
    afterEach(async () => {
      await store.close();
    });

    const insertClaimed = (overrides: Parameters<typeof newJob>[0] = {}, workerId = "w1", leaseMs = 30_000) =>
      store.insertClaimedJob({ job: newJob(overrides), workerId, leaseMs });

    it("inserts the job running under the worker's lease, as a claim would have left it, and durable to complete", async () => {
      const before = await store.now();
      const job = (await insertClaimed({ payload: '{"to":"a@b.c"}', priority: 4, correlationId: "req-1" }, "w1", 30_000))!;
      expect(job).toMatchObject({ state: "running", attempt: 1, workerId: "w1", payload: { to: "a@b.c" }, priority: 4, correlationId: "req-1" });
      expect(job.startedAt).toEqual(job.createdAt);
      expect(job.runAt).toEqual(job.createdAt);
      expect(job.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5);
      expect(job.leaseExpiresAt!.getTime() - job.startedAt!.getTime()).toBeGreaterThanOrEqual(29_999);
      expect(job.leaseExpiresAt!.getTime() - job.startedAt!.getTime()).toBeLessThanOrEqual(30_001);
      expect({ ...(await store.getJob({ id: job.id })), attemptsBeforeReplay: 0 }).toEqual(job);
      // No claim takes it again, and its lease is the one the worker holds.
      expect(await store.claimJobs({ queues: ["default"], limit: 10, workerId: "w2", leaseMs: 30_000 })).toEqual([]);
      expect(await store.extendLeases({ leases: [{ jobId: job.id, attempt: 1, workerId: "w1" }], leaseMs: 30_000 })).toEqual([job.id]);
      expect(await store.completeJobs({ completions: [{ lease: { jobId: job.id, attempt: 1, workerId: "w2" }, result: null }] })).toEqual([false]);
      expect(await store.completeJobs({ completions: [{ lease: { jobId: job.id, attempt: 1, workerId: "w1" }, result: '{"ok":true}' }] })).toEqual([true]);
      expect(await store.getJob({ id: job.id })).toMatchObject({ state: "completed", result: { ok: true } });
    });

    it("is rescued like any claimed job when its worker's lease runs out", async () => {
      const job = (await insertClaimed({ maxAttempts: 2 }, "w1", 50))!;
      const [rescued] = await waitFor(async () => {
        const r = await store.rescueExpiredLeases({ limit: 10 });
        return r.length > 0 ? r : null;
      });
      expect(rescued).toMatchObject({ id: job.id, attempt: 1 });
      const [again] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w2", leaseMs: 30_000 });
      expect(again).toMatchObject({ id: job.id, attempt: 2, workerId: "w2" });
    });

    it("writes nothing and answers null when the queue is paused", async () => {
      await store.pauseQueue({ queue: "default" });
      expect(await insertClaimed()).toBeNull();
      expect((await store.listJobs({ limit: 10 })).jobs).toEqual([]);
      // Another queue is not paused.
      expect(await insertClaimed({ queue: "other" })).toMatchObject({ state: "running", queue: "other" });
    });

    it("writes nothing and answers null when the idempotency key exists; a new key is inserted claimed and dedupes later enqueues", async () => {
      const existing = (await store.insertJobs({ jobs: [newJob({ idempotencyKey: "k-1" })] }))[0]!.job;
      expect(await insertClaimed({ idempotencyKey: "k-1" })).toBeNull();
      expect(await store.getJob({ id: existing.id })).toEqual(existing);
      const claimed = (await insertClaimed({ idempotencyKey: "k-2" }))!;
      expect(claimed).toMatchObject({ state: "running", idempotencyKey: "k-2" });
      const [again] = await store.insertJobs({ jobs: [newJob({ idempotencyKey: "k-2" })] });
      const { attemptsBeforeReplay, ...stored } = claimed;
      expect(attemptsBeforeReplay).toBe(0);
      expect(again).toEqual({ job: stored, created: false });
    });

    it("refuses a job a claim would not take at once: delayed, grouped, in a flow or batch", async () => {
      for (const overrides of [{ delayMs: 1_000 }, { runAt: new Date() }, { groupKey: "g", groupLimit: 1 }, { batchId: "1" }]) {
        await expect(insertClaimed(overrides)).rejects.toThrow(/only a job a claim would take at once/);
      }
      expect((await store.listJobs({ limit: 10 })).jobs).toEqual([]);
    });
  });

  describe(`Starting a job where it is enqueued: ${factory.name}`, () => {
    let errand: Errand;
    beforeEach(async () => {
      errand = await Errand.connect(await factory.open(await factory.url()));
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    /** Enqueues until a job comes back started on insert (the worker has gone idle), with a deadline. */
    const enqueueOnceIdle = (enqueue: () => Promise<Job>, what = "an enqueue the idle worker starts on insert") =>
      waitFor(async () => {
        const job = await enqueue();
        return job.state === "running" ? job : null;
      }, { what });

    it("an idle worker here runs the job it was inserted for: enqueued, then started and completed, one attempt", async () => {
      const seen: string[] = [];
      for (const name of ["enqueued", "started", "completed"] as JobEventName[]) errand.on(name, ({ job }) => seen.push(`${name}:${job.id}`));
      const runs = new Map<string, number>();
      const echo = errand.define("echo", {
        handler: async (payload: { n: number }, ctx) => {
          runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
          return { n: payload.n, attempt: ctx.job.attempt, workerId: ctx.job.workerId };
        },
      });
      const worker = errand.work({ ...fast, concurrency: 2 });
      const job = await enqueueOnceIdle(() => echo.enqueue({ n: 7 }));
      expect(job).toMatchObject({ attempt: 1, workerId: worker.id });
      const done = await waitFor(async () => {
        const j = await errand.getJob(job.id);
        return j?.state === "completed" ? j : null;
      });
      expect(done).toMatchObject({ attempt: 1, result: { n: 7, attempt: 1, workerId: worker.id } });
      await waitFor(() => seen.includes(`completed:${job.id}`));
      expect(seen.filter((e) => e.endsWith(`:${job.id}`))).toEqual([`enqueued:${job.id}`, `started:${job.id}`, `completed:${job.id}`]);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
    });

    it("a busy worker, a paused queue, a delay or a key leave the job to a claim; an existing key returns its job", async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const blocking = errand.define("blocking", { handler: async () => gate });
      const quick = errand.define("quick", { handler: async () => "done" });
      const worker = errand.work({ ...fast, concurrency: 1 });
      const first = await blocking.enqueue({});
      await waitFor(async () => (await errand.getJob(first.id))?.state === "running", { what: "the blocking job running" });
      // The worker's one slot is taken: the next job waits for a claim.
      expect((await quick.enqueue({})).state).toBe("pending");
      release();
      await waitFor(async () => (await errand.listJobs({ state: "completed" })).jobs.length === 2, { what: "both jobs completed" });

      await errand.store.pauseQueue({ queue: "default" });
      const paused = await quick.enqueue({});
      expect(paused.state).toBe("pending");
      await errand.store.resumeQueue({ queue: "default" });
      await waitFor(async () => (await errand.getJob(paused.id))?.state === "completed", { what: "the paused queue's job completed" });

      expect((await quick.enqueue({}, { delayMs: 60_000 })).state).toBe("scheduled");
      await waitFor(() => worker.idle, { what: "the worker idle" });
      // Its insert may wait on the key (another transaction holding it): no slot waits with it.
      const keyed = await quick.enqueue({}, { idempotencyKey: "k-1" });
      expect(keyed.state).toBe("pending");
      // The same key again is the job that exists, not a new run.
      expect(await quick.enqueue({}, { idempotencyKey: keyed.idempotencyKey! })).toMatchObject({ id: keyed.id });
    });

    it("jobs inserted for a worker that closes before their inserts return are handed back, never left running", async () => {
      const ran: string[] = [];
      const quick = errand.define("quick", { handler: async (_p, ctx) => void ran.push(ctx.job.id) });
      const worker = errand.work({ ...fast, concurrency: 4 });
      await waitFor(() => worker.idle, { what: "the worker idle" });
      // Each enqueue holds its slot before its insert is sent; close() begins while they are under way.
      const enqueues = Array.from({ length: 3 }, () => quick.enqueue({}));
      const closing = worker.close({ graceMs: 1_000 });
      const jobs = await Promise.all(enqueues);
      await closing;
      expect(jobs.map((j) => j.state)).toEqual(["running", "running", "running"]);
      for (const job of jobs) {
        const now = (await errand.getJob(job.id))!;
        // Ran to completion, or back to waiting with its attempt given back; never left running.
        expect(now.state === "completed" ? ran.includes(job.id) : now.state === "pending" && now.attempt === 0).toBe(true);
      }
    });
  });

  describe(`Starting a job where it is enqueued, in processes: ${factory.name}`, () => {
    const dir = tempDir();

    it("jobs a process started on insert survive its SIGKILL: another process runs them once their lease runs out", async () => {
      const url = await factory.url();
      const [recordFile, ownFile] = [join(dir, "runs.log"), join(dir, "own.log")];
      writeFileSync(recordFile, "");
      writeFileSync(ownFile, "");
      const env = { ERRAND_DATABASE_URL: url, RECORD_FILE: recordFile, LEASE_MS: "1000" };
      const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]);
      const first = await startWorkerProcess({ ...env, ENQUEUE_OWN_HANGS: "3", OWN_FILE: ownFile });
      const own = lines(ownFile);
      expect(own.map(([, state]) => state)).toEqual(["running", "running", "running"]);
      const ids = own.map(([id]) => id);
      await waitFor(() => ids.every((id) => lines(recordFile).some(([ran]) => ran === id)), { what: "the three handlers started" });
      first.kill("SIGKILL");
      await startWorkerProcess(env);
      const errand = await Errand.connect(await factory.open(url));
      try {
        const ended = await waitFor(
          async () => {
            const jobs = await Promise.all(ids.map((id) => errand.getJob(id)));
            return jobs.every((j) => j?.state === "completed") ? jobs : null;
          },
          { timeoutMs: 20_000, what: "the three jobs completed by the second process" },
        );
        expect(ended.map((j) => [j!.attempt, j!.result])).toEqual([[2, "recovered"], [2, "recovered"], [2, "recovered"]]);
        // Each ran once in the killed process, then once in the other.
        for (const id of ids) {
          const pids = lines(recordFile).filter(([ran]) => ran === id).map(([, pid]) => pid);
          expect(pids).toHaveLength(2);
          expect(pids[0]).toBe(String(first.pid));
          expect(pids[1]).not.toBe(String(first.pid));
        }
      } finally {
        await errand.close({ graceMs: 0 });
      }
    });
  });
}
