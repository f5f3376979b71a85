import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job, Lease } from "../../src/core/job.js";
import type { JobState } from "../../src/core/states.js";
import type { InsertedJob, Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const W1 = "worker-1";
const W2 = "worker-2";
const lease = (job: { id: string; attempt: number }, workerId = W1): Lease => ({
  jobId: job.id,
  attempt: job.attempt,
  workerId,
});
const error = { message: "boom", code: null, stack: "Error: boom\n    at test" };
/** A stored job as a claim hands it out: a job never replayed has made no attempts before a replay. */
const asClaimed = (job: Job | null): Job & { attemptsBeforeReplay: number } => ({ ...job!, attemptsBeforeReplay: 0 });

/** Every store-level behaviour; each backend's test file runs this once. */
export function describeStoreConformance(factory: StoreFactory): void {
  describe(`Store conformance: ${factory.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open(await factory.url());
    });
    afterEach(async () => {
      await store.close();
    });

    const claim = (limit = 10, workerId = W1, leaseMs = 30_000, queues = ["default"]) =>
      store.claimJobs({ queues, limit, workerId, leaseMs });

    it("inserts jobs and reads them back exactly as returned", async () => {
      const [a, b] = await store.insertJobs({
        jobs: [newJob({ payload: '{"to":"a@b.c"}', priority: 5 }), newJob({ type: "other", queue: "mail" })],
      });
      expect(a!.created).toBe(true);
      expect(a!.job).toMatchObject({ type: "test", queue: "default", state: "pending", payload: { to: "a@b.c" }, priority: 5, attempt: 0, maxAttempts: 3, errors: [], result: null });
      expect(Number(b!.job.id)).toBeGreaterThan(Number(a!.job.id));
      expect(await store.getJob({ id: a!.job.id })).toEqual(a!.job);
      expect(await store.getJob({ id: "999999" })).toBeNull();
    });

    it("reads many jobs by id in one call: each found job once, missing ids left out, nothing for no ids", async () => {
      const inserted = (await store.insertJobs({ jobs: [newJob(), newJob({ type: "other", delayMs: 60_000 }), newJob()] })).map((i) => i.job);
      const [a, b, c] = inserted as [Job, Job, Job];
      const byId = (jobs: Job[]) => [...jobs].sort((x, y) => Number(x.id) - Number(y.id));
      expect(await store.getJobs({ ids: [] })).toEqual([]);
      expect(await store.getJobs({ ids: ["999999"] })).toEqual([]);
      expect(byId(await store.getJobs({ ids: [c.id, a.id, "999999"] }))).toEqual([a, c]);
      expect(byId(await store.getJobs({ ids: [b.id, b.id, a.id, b.id] }))).toEqual([a, b]);
      // More ids than one statement takes: every job still comes back once, however the ids are split.
      const many = (await store.insertJobs({ jobs: Array.from({ length: 1_050 }, () => newJob()) })).map((i) => i.job);
      const asked = [...many.map((j) => j.id), ...many.slice(0, 10).map((j) => j.id), "999999"];
      expect(byId(await store.getJobs({ ids: asked }))).toEqual(byId(many));
    });

    it("reads back as returned a batch whose jobs differ in every column, and one whose jobs share them all", async () => {
      const runAt = new Date(Date.now() + 60_000);
      const mixed = await store.insertJobs({
        jobs: [
          newJob({ runAt, priority: -3, backoff: { baseMs: 5, maxMs: 50, jitter: 0 }, timeoutMs: 1_000, correlationId: "c1" }),
          newJob({ type: "other", queue: "mail", delayMs: 5_000, maxAttempts: 1, webhookUrl: "https://example.com/hook" }),
          newJob({ idempotencyKey: "mixed-1", groupKey: "g", groupLimit: 3, payload: '{"a":[1,"x\\\\y\\"z"]}' }),
          newJob({ runAt: new Date(Date.now() - 60_000), flowId: "5", flowNode: "n", parentsWaiting: 1, onParentFailure: "cancel", batchId: "6" }),
        ],
      });
      expect(mixed.map((i) => i.job.state)).toEqual(["scheduled", "scheduled", "pending", "blocked"]);
      expect(mixed[0]!.job.runAt).toEqual(runAt);
      expect(mixed[2]!.job.payload).toEqual({ a: [1, 'x\\y"z'] });
      const alike = await store.insertJobs({ jobs: [1, 2, 3].map(() => newJob({ queue: "mail", delayMs: 1_500, correlationId: "same" })) });
      for (const { job } of [...mixed, ...alike]) expect(await store.getJob({ id: job.id })).toEqual(job);
      expect(alike[0]!.job.runAt.getTime() - alike[0]!.job.createdAt.getTime()).toBe(1_500);
    });

    it("stores a job inserted alone as it stores it in a batch, every column, and dedupes it alike", async () => {
      const variants = [
        newJob({ runAt: new Date(Date.now() + 60_000), priority: -3, backoff: { baseMs: 5, maxMs: 50, jitter: 0 }, timeoutMs: 1_000, correlationId: "c1" }),
        newJob({ type: "other", queue: "mail", delayMs: 5_000, maxAttempts: 1, webhookUrl: "https://example.com/hook" }),
        newJob({ idempotencyKey: "alone-1", groupKey: "g", groupLimit: 3, payload: '{"a":[1,"x\\\\y\\"z"]}' }),
        newJob({ runAt: new Date(Date.now() - 60_000), flowId: "5", flowNode: "n", parentsWaiting: 1, onParentFailure: "cancel", batchId: "6" }),
        newJob(),
        // Kept as sent: key order, and a NUL character (json text may hold it, jsonb may not).
        newJob({ payload: '{"bb":1,"a":{"z":"a\\u0000b","y":2}}' }),
      ];
      const inBatch = await store.insertJobs({
        jobs: variants.map((v) => ({ ...v, idempotencyKey: v.idempotencyKey === null ? null : `${v.idempotencyKey}-batch` })),
      });
      // What may differ: the id, the time of insertion (and a delayed run time with it), the key.
      const comparable = (job: Awaited<ReturnType<Store["getJob"]>>) => ({
        ...job!,
        id: null,
        createdAt: null,
        runAt: job!.runAt.getTime() - job!.createdAt.getTime() > 59_000 || job!.runAt < job!.createdAt ? null : job!.runAt.getTime() - job!.createdAt.getTime(),
        idempotencyKey: job!.idempotencyKey?.replace(/-batch$/, "") ?? null,
      });
      const alone: InsertedJob[] = [];
      for (const v of variants) alone.push((await store.insertJobs({ jobs: [v] }))[0]!);
      expect(alone.map((a) => [a.created, a.job.state])).toEqual([[true, "scheduled"], [true, "scheduled"], [true, "pending"], [true, "blocked"], [true, "pending"], [true, "pending"]]);
      for (const [i, a] of alone.entries()) {
        const stored = await store.getJob({ id: a.job.id });
        expect(stored).toEqual(a.job);
        expect(comparable(stored)).toEqual(comparable(await store.getJob({ id: inBatch[i]!.job.id })));
      }
      expect(alone[0]!.job.runAt).toEqual(variants[0]!.runAt);
      for (const { job } of [alone[5]!, inBatch[5]!]) {
        const { payload } = (await store.getJob({ id: job.id }))! as { payload: { a: { z: string } } };
        expect(JSON.stringify(payload)).toBe('{"bb":1,"a":{"z":"a\\u0000b","y":2}}');
        expect(payload.a.z).toBe("a\u0000b");
      }
      expect(await store.insertJobs({ jobs: [{ ...variants[2]!, payload: '{"again":true}' }] })).toEqual([{ job: alone[2]!.job, created: false }]);
    });

    it("keeps group, flow and batch columns, and stores a job with parents waiting as blocked, unclaimable", async () => {
      const [grouped, blocked, keyed] = await store.insertJobs({
        jobs: [
          newJob({ groupKey: "account-7", groupLimit: 2, batchId: "41" }),
          newJob({ flowId: "9", flowNode: "notify", parentsWaiting: 2, onParentFailure: "continue" }),
          newJob({ idempotencyKey: "k-flow", flowId: "9", flowNode: "upload" }),
        ],
      });
      expect(grouped!.job).toMatchObject({ state: "pending", groupKey: "account-7", groupLimit: 2, batchId: "41", flowId: null });
      expect(blocked!.job).toMatchObject({ state: "blocked", flowId: "9", flowNode: "notify", onParentFailure: "continue" });
      expect(keyed!.job).toMatchObject({ state: "pending", flowId: "9", flowNode: "upload", groupKey: null });
      for (const { job } of [grouped!, blocked!, keyed!]) expect(await store.getJob({ id: job.id })).toEqual(job);
      const claimed = await claim();
      expect(claimed.map((j) => j.id).sort()).toEqual([grouped!.job.id, keyed!.job.id].sort());
      expect(claimed.find((j) => j.id === grouped!.job.id)).toMatchObject({ groupKey: "account-7", groupLimit: 2, batchId: "41" });
    });

    it("inserts a batch atomically: one bad row and nothing is written", async () => {
      const bad = newJob({ type: null as unknown as string });
      await expect(store.insertJobs({ jobs: [newJob(), bad, newJob()] })).rejects.toThrow();
      expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(0);
    });

    it("dedupes by idempotency key, across calls and within one batch", async () => {
      const [first] = await store.insertJobs({ jobs: [newJob({ idempotencyKey: "k1", payload: '{"n":1}' })] });
      const again = await store.insertJobs({
        jobs: [newJob({ idempotencyKey: "k1", payload: '{"n":2}' }), newJob({ idempotencyKey: "k2" }), newJob({ idempotencyKey: "k2" })],
      });
      expect(again[0]).toEqual({ job: first!.job, created: false });
      expect(again[1]!.created).toBe(true);
      expect(again[2]).toEqual({ job: again[1]!.job, created: false });
      expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(2);
    });

    it("keeps delayed jobs scheduled and unclaimable until their run time", async () => {
      const [{ job }] = (await store.insertJobs({ jobs: [newJob({ delayMs: 300 })] })) as [InsertedJob];
      expect(job.state).toBe("scheduled");
      expect(await claim()).toHaveLength(0);
      const claimed = await waitFor(async () => (await claim()).at(0), { what: "delayed job to become claimable" });
      expect(claimed.id).toBe(job.id);
    });

    it("honours an absolute runAt", async () => {
      await store.insertJobs({ jobs: [newJob({ runAt: new Date(Date.now() + 60_000) })] });
      expect(await claim()).toHaveLength(0);
      await store.insertJobs({ jobs: [newJob({ runAt: new Date(Date.now() - 1000) })] });
      expect(await claim()).toHaveLength(1);
    });

    it("claims by priority, then run time, then age; only from the given queues; up to the limit", async () => {
      const now = Date.now();
      const inserted = await store.insertJobs({
        jobs: [
          newJob({ payload: '"low-old"', priority: 0, runAt: new Date(now - 5000) }),
          newJob({ payload: '"high"', priority: 10 }),
          newJob({ payload: '"low-older"', priority: 0, runAt: new Date(now - 9000) }),
          newJob({ payload: '"other-queue"', queue: "other", priority: 100 }),
          newJob({ payload: '"low-new-a"', priority: 0, runAt: new Date(now - 1000) }),
          newJob({ payload: '"low-new-b"', priority: 0, runAt: new Date(now - 1000) }),
        ],
      });
      const claimed = await claim(4);
      expect(claimed.map((j) => j.payload)).toEqual(["high", "low-older", "low-old", "low-new-a"]);
      for (const job of claimed) {
        expect(job).toMatchObject({ state: "running", attempt: 1, workerId: W1 });
        expect(job.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
      }
      expect((await claim(10, W2)).map((j) => j.payload)).toEqual(["low-new-b"]);
      expect((await claim(10, W2, 30_000, ["other", "default"])).map((j) => j.id)).toEqual([inserted[3]!.job.id]);
    });

    it("hands out each claimed job exactly as stored, every field, on a first attempt and on a retry", async () => {
      const backoff = { baseMs: 10, maxMs: 20, jitter: 0 };
      await store.insertJobs({
        jobs: [
          newJob({ payload: '{"n":1,"nested":{"a":[1,2]}}', priority: 3, timeoutMs: 5_000, backoff, idempotencyKey: "claimed-1" }),
          newJob({ correlationId: "req-7", webhookUrl: "https://example.com/hook", maxAttempts: 2, backoff }),
          newJob({ groupKey: "g-1", groupLimit: 1, batchId: "5" }),
        ],
      });
      const claimed = [...(await claim(2)), ...(await claim(1))];
      expect(claimed).toHaveLength(3);
      for (const job of claimed) {
        expect(job).toMatchObject({ state: "running", workerId: W1, attempt: 1, errors: [] });
        expect(job).toEqual(asClaimed(await store.getJob({ id: job.id })));
      }
      const retried = claimed.find((j) => j.correlationId === "req-7")!;
      await store.failJob({ lease: lease(retried), error, retryDelayMs: 0 });
      const again = await waitFor(async () => (await claim()).at(0), { what: "the retry" });
      expect(again).toMatchObject({ id: retried.id, attempt: 2, errors: [{ attempt: 1, message: "boom" }] });
      expect(again).toEqual(asClaimed(await store.getJob({ id: again.id })));
    });

    it("hands out every job of one claim as stored where neighbours share some columns and differ in others", async () => {
      const slow = { baseMs: 10, maxMs: 20, jitter: 0 };
      const fast = { baseMs: 1, maxMs: 2, jitter: 0 };
      // Two batches (two creation times), types and options alternating within them.
      await store.insertJobs({
        jobs: [
          newJob({ type: "x", backoff: slow }),
          newJob({ type: "x", backoff: slow }),
          newJob({ type: "y", maxAttempts: 5, backoff: fast }),
          newJob({ type: "y", maxAttempts: 5, backoff: fast }),
          newJob({ type: "x", backoff: slow }),
        ],
      });
      await new Promise((r) => setTimeout(r, 5));
      await store.insertJobs({ jobs: [newJob({ type: "x", backoff: slow }), newJob({ type: "y", maxAttempts: 5, backoff: fast })] });
      const claimed = await claim(10);
      expect(claimed.map((j) => [j.type, j.maxAttempts, j.backoff.baseMs])).toEqual([
        ["x", 3, 10], ["x", 3, 10], ["y", 5, 1], ["y", 5, 1], ["x", 3, 10], ["x", 3, 10], ["y", 5, 1],
      ]);
      for (const job of claimed) expect(job).toEqual(asClaimed(await store.getJob({ id: job.id })));
      claimed[0]!.createdAt.setTime(0); // each job's dates are its own
      claimed[0]!.runAt.setTime(0);
      expect(claimed[1]).toEqual(asClaimed(await store.getJob({ id: claimed[1]!.id })));
    });

    it("gives every job of one claim its start and lease expiry, whatever order the claim took them in", async () => {
      // Grouped jobs are claimed by id (the lower id first), returned by priority (the higher first);
      // across queues, each queue's jobs are taken apart, the best of them returned first.
      await store.insertJobs({
        jobs: [
          newJob({ groupKey: "g-low", groupLimit: 1, priority: 0 }),
          newJob({ groupKey: "g-high", groupLimit: 1, priority: 5 }),
          newJob({ queue: "a", priority: 0 }),
          newJob({ queue: "b", priority: 7 }),
        ],
      });
      const claimed = [...(await claim(10)), ...(await claim(10, W1, 30_000, ["a", "b"]))];
      expect(claimed.map((j) => j.priority)).toEqual([5, 0, 7, 0]);
      for (const job of claimed) {
        expect(job.startedAt).toBeInstanceOf(Date);
        expect(job.leaseExpiresAt).toBeInstanceOf(Date);
        expect(job).toEqual(asClaimed(await store.getJob({ id: job.id })));
      }
    });

    it("stores a job's backoff as it was when enqueued, and hands each claimed job a policy of its own", async () => {
      const policy = { baseMs: 10, maxMs: 20, jitter: 0 };
      const [first] = await store.insertJobs({ jobs: [newJob({ backoff: policy }), newJob({ backoff: policy })] });
      policy.baseMs = 15; // changed in place between two enqueues
      const [third] = await store.insertJobs({ jobs: [newJob({ backoff: policy })] });
      expect((await store.getJob({ id: first!.job.id }))!.backoff).toEqual({ baseMs: 10, maxMs: 20, jitter: 0 });
      expect((await store.getJob({ id: third!.job.id }))!.backoff).toEqual({ baseMs: 15, maxMs: 20, jitter: 0 });
      const [a, b] = await claim(2);
      a!.backoff.baseMs = 1;
      expect(b!.backoff).toEqual({ baseMs: 10, maxMs: 20, jitter: 0 });
    });

    it("never hands one job to two claimers", async () => {
      await store.insertJobs({ jobs: Array.from({ length: 50 }, () => newJob()) });
      const results = await Promise.all([claim(20, W1), claim(20, W2), claim(20, "worker-3")]);
      const ids = results.flat().map((j) => j.id);
      expect(ids).toHaveLength(50);
      expect(new Set(ids).size).toBe(50);
    });

    it("completes with a result only while the lease is held (fencing)", async () => {
      await store.insertJobs({ jobs: [newJob(), newJob()] });
      const [a, b] = await claim(2);
      const refused = await store.completeJobs({
        completions: [
          { lease: lease(a!, W2), result: '"wrong worker"' },
          { lease: { ...lease(a!), attempt: 2 }, result: '"wrong attempt"' },
        ],
      });
      expect(refused).toEqual([false, false]);
      expect(await store.completeJobs({ completions: [{ lease: lease(a!), result: '{"ok":true}' }, { lease: lease(b!), result: null }] })).toEqual([true, true]);
      const done = await store.getJob({ id: a!.id });
      // The job keeps the id of the worker that completed it.
      expect(done).toMatchObject({ state: "completed", result: { ok: true }, workerId: W1, leaseExpiresAt: null });
      expect(done!.finishedAt).toBeInstanceOf(Date);
      // Another worker's completion of a completed job is refused.
      expect(await store.completeJobs({ completions: [{ lease: lease(a!, W2), result: '"late"' }] })).toEqual([false]);
      expect((await store.getJob({ id: a!.id }))!).toMatchObject({ result: { ok: true }, finishedAt: done!.finishedAt });
    });

    it("accepts a completion sent again under its lease (its first reply lost) and changes nothing", async () => {
      await store.insertJobs({ jobs: [newJob(), newJob()] });
      const [a, b] = await claim(2);
      expect(await store.completeJobs({ completions: [{ lease: lease(a!), result: '"first"' }] })).toEqual([true]);
      const done = await store.getJob({ id: a!.id });
      // Sent again beside a completion that is new: both accepted, the first one's result kept.
      expect(
        await store.completeJobs({ completions: [{ lease: lease(b!), result: '"b"' }, { lease: lease(a!), result: '"first"' }] }),
      ).toEqual([true, true]);
      expect(await store.getJob({ id: a!.id })).toEqual(done);
      // Not under another attempt's lease.
      expect(await store.completeJobs({ completions: [{ lease: { ...lease(a!), attempt: 2 }, result: null }] })).toEqual([false]);
    });

    it("records failures: retrying with a delay, then failed with every error kept", async () => {
      await store.insertJobs({ jobs: [newJob({ maxAttempts: 2 })] });
      const [first] = await claim();
      const retrying = await store.failJob({ lease: lease(first!), error, retryDelayMs: 200 });
      expect(retrying).toMatchObject({ state: "retrying", attempt: 1 });
      expect(retrying!.errors).toMatchObject([{ attempt: 1, message: "boom", stack: error.stack }]);
      expect(await claim()).toHaveLength(0);
      const second = await waitFor(async () => (await claim()).at(0), { what: "retry" });
      expect(second.attempt).toBe(2);
      const failed = await store.failJob({ lease: lease(second), error: { ...error, message: "again", code: "E2" }, retryDelayMs: null });
      expect(failed).toMatchObject({ state: "failed" });
      expect(failed!.errors.map((e) => [e.attempt, e.message, e.code])).toEqual([[1, "boom", null], [2, "again", "E2"]]);
      expect(failed!.errors[1]!.at).toBeInstanceOf(Date);
      expect(failed!.workerId).toBe(W1);
      // Sent again under the same lease (its first reply lost): the failure as recorded, not a second one.
      expect(await store.failJob({ lease: lease(second), error, retryDelayMs: null })).toEqual(failed);
      expect(await store.failJob({ lease: lease(second, W2), error, retryDelayMs: null })).toBeNull();
      expect(await store.failJob({ lease: lease(first!), error, retryDelayMs: null })).toBeNull();
    });

    it("records a failure whose error text holds a NUL character, as U+FFFD (PostgreSQL's text cannot hold it)", async () => {
      await store.insertJobs({ jobs: [newJob({ maxAttempts: 1 })] });
      const [job] = await claim();
      const nul = { message: "Unexpected token \u0000 in JSON", code: "E\u0000", stack: "Error: \u0000\n    at parse" };
      const failed = await store.failJob({ lease: lease(job!), error: nul, retryDelayMs: null });
      expect(failed).toMatchObject({ state: "failed" });
      expect(failed!.errors).toMatchObject([
        { message: "Unexpected token \uFFFD in JSON", code: "E\uFFFD", stack: "Error: \uFFFD\n    at parse" },
      ]);
    });

    it("returns a released job to its place in the queue: before the jobs enqueued after it, its run time kept", async () => {
      const inserted = await store.insertJobs({ jobs: [newJob({ payload: '"first"' }), newJob({ payload: '"second"' }), newJob({ payload: '"third"' })] });
      const [first] = await claim(1);
      expect(first!.payload).toBe("first");
      expect(await store.updateProgress({ lease: lease(first!), progress: 50 })).toBe(true);
      await new Promise((r) => setTimeout(r, 5)); // a release at a later clock reading
      expect(await store.releaseJobs({ leases: [lease(first!)] })).toBe(1);
      // Its attempt given back, and the progress of that run with it.
      expect(await store.getJob({ id: first!.id })).toMatchObject({ state: "pending", attempt: 0, progress: null, runAt: inserted[0]!.job.runAt });
      expect((await claim(3, W2)).map((j) => j.payload)).toEqual(["first", "second", "third"]);
    });

    it("accepts, of two completions of one job in a batch, the one whose lease is held, in either order", async () => {
      // A released job is claimed again at the same attempt; the first worker's zombie run
      // may then complete beside the run that replaced it.
      await store.insertJobs({ jobs: [newJob(), newJob()] });
      const first = await claim(2, W1);
      expect(await store.releaseJobs({ leases: first.map((j) => lease(j)) })).toBe(2);
      const [x, y] = await claim(2, W2);
      expect([x!.attempt, y!.attempt]).toEqual([1, 1]);
      expect(
        await store.completeJobs({
          completions: [
            { lease: lease(x!, W1), result: '"zombie"' },
            { lease: lease(y!, W2), result: '"y"' },
            { lease: lease(x!, W2), result: '"x"' },
            { lease: lease(y!, W1), result: '"zombie"' },
          ],
        }),
      ).toEqual([false, true, true, false]);
      expect((await store.getJob({ id: x!.id }))!.result).toBe("x");
      expect((await store.getJob({ id: y!.id }))!.result).toBe("y");
    });

    it("extends held leases and reports lost ones", async () => {
      await store.insertJobs({ jobs: [newJob(), newJob()] });
      const [a, b] = await claim(2, W1, 1_000);
      await store.completeJobs({ completions: [{ lease: lease(b!), result: null }] });
      const held = await store.extendLeases({ leases: [lease(a!), lease(b!), lease(a!, W2)], leaseMs: 60_000 });
      expect(held).toEqual([a!.id]);
      expect((await store.getJob({ id: a!.id }))!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 30_000);
    });

    it("rescues expired leases as a used attempt, and the stale worker's late completion is refused", async () => {
      await store.insertJobs({ jobs: [newJob({ maxAttempts: 2, type: "a" }), newJob({ maxAttempts: 1, type: "b" })] });
      const stale = await claim(2, W1, 50);
      const rescued = await waitFor(async () => {
        const r = await store.rescueExpiredLeases({ limit: 10 });
        return r.length > 0 ? r : null;
      }, { what: "expired leases" });
      expect(rescued).toHaveLength(2);
      const a = rescued.find((j) => j.type === "a")!;
      const b = rescued.find((j) => j.type === "b")!;
      expect(a).toMatchObject({ state: "pending", attempt: 1, workerId: null });
      expect(a.errors).toMatchObject([{ attempt: 1, code: "lease_expired" }]);
      expect(b).toMatchObject({ state: "failed" });
      const again = await claim(10, W2);
      expect(again.map((j) => [j.id, j.attempt])).toEqual([[a.id, 2]]);
      const lateA = stale.find((j) => j.id === a.id)!;
      expect(await store.completeJobs({ completions: [{ lease: lease(lateA), result: '"late"' }] })).toEqual([false]);
      expect(await store.completeJobs({ completions: [{ lease: lease(again[0]!, W2), result: '"fresh"' }] })).toEqual([true]);
      expect((await store.getJob({ id: a.id }))!.result).toBe("fresh");
      expect(await store.rescueExpiredLeases({ limit: 10 })).toEqual([]);
    });

    it("snoozes and releases without using up the attempt", async () => {
      await store.insertJobs({ jobs: [newJob({ type: "snooze" }), newJob({ type: "release" })] });
      const claimed = await claim(2);
      const s = claimed.find((j) => j.type === "snooze")!;
      const r = claimed.find((j) => j.type === "release")!;
      expect(await store.snoozeJob({ lease: lease(s), delayMs: 60_000 })).toBe(true);
      expect(await store.getJob({ id: s.id })).toMatchObject({ state: "scheduled", attempt: 0 });
      expect(await store.releaseJobs({ leases: [lease(r), lease(s)] })).toBe(1);
      expect(await store.getJob({ id: r.id })).toMatchObject({ state: "pending", attempt: 0 });
      expect((await claim()).map((j) => [j.id, j.attempt])).toEqual([[r.id, 1]]);
    });

    it("persists progress only under a held lease", async () => {
      await store.insertJobs({ jobs: [newJob()] });
      const [job] = await claim();
      expect(await store.updateProgress({ lease: lease(job!), progress: 42.5 })).toBe(true);
      expect(await store.updateProgress({ lease: lease(job!, W2), progress: 99 })).toBe(false);
      expect((await store.getJob({ id: job!.id }))!.progress).toBe(42.5);
    });

    it("cancels unfinished jobs, refuses finished ones, and tells unknown ids apart", async () => {
      const [p, r, d] = await store.insertJobs({ jobs: [newJob(), newJob({ type: "run" }), newJob({ type: "done" })] });
      const running = await claim(10);
      const done = running.find((j) => j.type === "done")!;
      await store.completeJobs({ completions: [{ lease: lease(done), result: null }] });
      const c1 = await store.cancelJob({ id: p!.job.id });
      expect(c1).toMatchObject({ outcome: "changed", previousState: "running", job: { state: "canceled" } });
      const c2 = await store.cancelJob({ id: d!.job.id });
      expect(c2).toMatchObject({ outcome: "conflict", job: { state: "completed" } });
      expect(await store.cancelJob({ id: "424242" })).toEqual({ outcome: "not_found" });
      const runJob = running.find((j) => j.type === "run")!;
      expect((await store.cancelJob({ id: r!.job.id, lease: lease(runJob, W2) })).outcome).toBe("conflict");
      expect((await store.cancelJob({ id: r!.job.id, lease: lease(runJob) })).outcome).toBe("changed");
      const [waiting] = await store.insertJobs({ jobs: [newJob({ delayMs: 60_000 })] });
      expect(await store.cancelJob({ id: waiting!.job.id })).toMatchObject({ outcome: "changed", previousState: "scheduled" });
      // Canceled from outside, a job has no worker; by its own handler, it keeps that worker's id.
      expect(c1).toMatchObject({ job: { workerId: null } });
      expect(await store.getJob({ id: r!.job.id })).toMatchObject({ state: "canceled", workerId: W1 });
    });

    it("accepts a handler's cancel sent again under its lease (its first reply lost) and changes nothing", async () => {
      await store.insertJobs({ jobs: [newJob()] });
      const [job] = await claim();
      const first = await store.cancelJob({ id: job!.id, lease: lease(job!) });
      expect(first).toMatchObject({ outcome: "changed", previousState: "running", job: { state: "canceled", workerId: W1 } });
      const canceled = await store.getJob({ id: job!.id });
      expect(await store.cancelJob({ id: job!.id, lease: lease(job!) })).toEqual({ outcome: "changed", previousState: "running", job: canceled });
      expect(await store.getJob({ id: job!.id })).toEqual(canceled);
      // Not under another worker's or another attempt's lease, nor without one.
      expect(await store.cancelJob({ id: job!.id, lease: lease(job!, W2) })).toMatchObject({ outcome: "conflict" });
      expect(await store.cancelJob({ id: job!.id, lease: { ...lease(job!), attempt: 2 } })).toMatchObject({ outcome: "conflict" });
      expect(await store.cancelJob({ id: job!.id })).toMatchObject({ outcome: "conflict" });
      // A replay clears the worker: the old lease's cancel no longer matches.
      expect(await store.retryJob({ id: job!.id })).toMatchObject({ outcome: "changed", job: { state: "pending", workerId: null } });
      await store.cancelJob({ id: job!.id });
      expect(await store.cancelJob({ id: job!.id, lease: lease(job!) })).toMatchObject({ outcome: "conflict" });
    });

    it("replays failed and canceled jobs with fresh attempts, keeping history", async () => {
      const [a, b] = await store.insertJobs({ jobs: [newJob({ maxAttempts: 1 }), newJob()] });
      const [claimed] = await claim(1);
      await store.failJob({ lease: lease(claimed!), error, retryDelayMs: null });
      expect((await store.retryJob({ id: b!.job.id })).outcome).toBe("conflict");
      const replayed = await store.retryJob({ id: a!.job.id });
      expect(replayed).toMatchObject({ outcome: "changed", previousState: "failed", job: { state: "pending", attempt: 1, maxAttempts: 2, finishedAt: null, workerId: null } });
      if (replayed.outcome === "changed") expect(replayed.job.errors).toHaveLength(1);
      const again = (await claim(2)).find((j) => j.id === a!.job.id);
      expect(again).toMatchObject({ attempt: 2 });
      await store.cancelJob({ id: b!.job.id });
      expect((await store.retryJob({ id: b!.job.id })).outcome).toBe("changed");
      expect(await store.retryJob({ id: "77777" })).toEqual({ outcome: "not_found" });
    });

    it("gives every replay the job's own maxAttempts, not the total its last replay raised it to", async () => {
      const [inserted] = await store.insertJobs({ jobs: [newJob({ maxAttempts: 2 })] });
      const id = inserted!.job.id;
      const claims: [attempt: number, attemptsBeforeReplay: number][] = [];
      const runOut = async () => {
        for (;;) {
          const [job] = await claim(1);
          if (job === undefined) return (await store.getJob({ id }))!;
          claims.push([job.attempt, job.attemptsBeforeReplay]);
          await store.failJob({ lease: lease(job), error, retryDelayMs: job.attempt < job.maxAttempts ? 0 : null });
        }
      };
      const attempts: [number, number][] = [];
      for (let replay = 0; replay < 4; replay++) {
        const failed = await runOut();
        attempts.push([failed.attempt, failed.maxAttempts]);
        expect(failed.state).toBe("failed");
        await store.retryJob({ id });
      }
      // Each run gets 2 attempts: 2, then 4, 6, 8 (a replay once doubled them: 2, 4, 8, 16).
      expect(attempts).toEqual([[2, 2], [4, 4], [6, 6], [8, 8]]);
      // A claim tells the worker where the run began, so backoff counts from there.
      expect(claims).toEqual([[1, 0], [2, 0], [3, 2], [4, 2], [5, 4], [6, 4], [7, 6], [8, 6]]);
    });

    it("replays a listed job only if nobody replayed it since the listing (listedMaxAttempts)", async () => {
      const [inserted] = await store.insertJobs({ jobs: [newJob({ maxAttempts: 1 })] });
      const id = inserted!.job.id;
      const [job] = await claim(1);
      await store.failJob({ lease: lease(job!), error, retryDelayMs: null });
      const listed = (await store.getJob({ id }))!;
      // Another caller replays it, and it fails again, before this caller's replay of its listing.
      expect((await store.retryJob({ id, listedMaxAttempts: listed.maxAttempts })).outcome).toBe("changed");
      const [again] = await claim(1);
      await store.failJob({ lease: lease(again!), error, retryDelayMs: null });
      const stale = await store.retryJob({ id, listedMaxAttempts: listed.maxAttempts });
      expect(stale).toMatchObject({ outcome: "conflict", job: { state: "failed", attempt: 2, maxAttempts: 2 } });
      expect(await store.getJob({ id })).toMatchObject({ state: "failed", attempt: 2 });
      expect((await store.retryJob({ id, listedMaxAttempts: 2 })).outcome).toBe("changed");
    });

    it("pages through jobs newest first with a stable cursor and filters", async () => {
      await store.insertJobs({
        jobs: Array.from({ length: 25 }, (_, i) => newJob({ type: i % 2 ? "odd" : "even", queue: i < 5 ? "q5" : "default" })),
      });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.listJobs({ limit: 10, cursor });
        seen.push(...result.jobs.map((j) => j.id));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
        // A job enqueued mid-paging must not shift later pages.
        if (page === 0) await store.insertJobs({ jobs: [newJob()] });
      }
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect([...seen].sort((x, y) => Number(y) - Number(x))).toEqual(seen);
      expect((await store.listJobs({ limit: 100, type: "odd" })).jobs).toHaveLength(12);
      expect((await store.listJobs({ limit: 100, queue: "q5" })).jobs).toHaveLength(5);
      // A page that ends on the last job says so: no empty page after it.
      expect((await store.listJobs({ limit: 5, queue: "q5" })).nextCursor).toBeNull();
      const firstFour = await store.listJobs({ limit: 4, queue: "q5" });
      expect(firstFour.nextCursor).toBe(firstFour.jobs[3]!.id);
      expect(await store.listJobs({ limit: 4, queue: "q5", cursor: firstFour.nextCursor! })).toMatchObject({ jobs: [{ queue: "q5" }], nextCursor: null });
      expect((await store.listJobs({ limit: 12, type: "odd" })).nextCursor).toBeNull();
      await claim(3, W1, 30_000, ["q5"]);
      expect((await store.listJobs({ limit: 100, state: "running" })).jobs).toHaveLength(3);
      expect((await store.listJobs({ limit: 100, state: "pending", queue: "q5" })).jobs).toHaveLength(2);
    });

    it("lists the jobs in each visible state: a scheduled or retrying job whose time has come is pending", async () => {
      const insert = async (job: Parameters<typeof newJob>[0]) => (await store.insertJobs({ jobs: [newJob(job)] }))[0]!.job;
      const claimOne = async (queue: string) => (await claim(1, W1, 30_000, [queue]))[0]!;
      const pending = await insert({ queue: "p" });
      const dueScheduled = await insert({ queue: "p", delayMs: 100 });
      const scheduled = await insert({ queue: "s", delayMs: 60_000 });
      const blocked = await insert({ queue: "b", parentsWaiting: 1 });
      await insert({ queue: "rt", maxAttempts: 3 });
      const retrying = (await store.failJob({ lease: lease(await claimOne("rt")), error, retryDelayMs: 60_000 }))!;
      await insert({ queue: "rd", maxAttempts: 3 });
      const dueRetrying = (await store.failJob({ lease: lease(await claimOne("rd")), error, retryDelayMs: 100 }))!;
      await insert({ queue: "run" });
      const running = await claimOne("run");
      await insert({ queue: "c" });
      const completed = await claimOne("c");
      await store.completeJobs({ completions: [{ lease: lease(completed), result: null }] });
      await insert({ queue: "f", maxAttempts: 1 });
      const failed = (await store.failJob({ lease: lease(await claimOne("f")), error, retryDelayMs: null }))!;
      const canceled = await insert({ queue: "x" });
      await store.cancelJob({ id: canceled.id });
      await new Promise((resolve) => setTimeout(resolve, 150)); // the two due ones come due

      const listed = async (state: JobState, queue?: string) => (await store.listJobs({ limit: 100, state, queue })).jobs.map((j) => [j.id, j.state]);
      const expected: Record<JobState, Job[]> = {
        pending: [dueRetrying, dueScheduled, pending],
        scheduled: [scheduled],
        retrying: [retrying],
        blocked: [blocked],
        running: [running],
        completed: [completed],
        failed: [failed],
        canceled: [canceled],
      };
      for (const [state, jobs] of Object.entries(expected) as [JobState, Job[]][]) {
        expect(await listed(state), state).toEqual(jobs.map((j) => [j.id, state]));
      }
      expect(await listed("pending", "p")).toEqual([[dueScheduled.id, "pending"], [pending.id, "pending"]]);
      expect(await listed("pending", "rt")).toEqual([]);
    });

    it("counts jobs per queue and visible state", async () => {
      await store.insertJobs({ jobs: [newJob(), newJob(), newJob({ queue: "mail", delayMs: 60_000 })] });
      await claim(1);
      const counts = await store.countJobs({});
      expect(counts.map((c) => c.queue)).toEqual(["default", "mail"]);
      expect(counts[0]!.counts).toMatchObject({ pending: 1, running: 1, completed: 0 });
      expect(counts[1]!.counts).toMatchObject({ scheduled: 1, pending: 0 });
      expect(await store.countJobs({ queues: ["mail"] })).toHaveLength(1);
    });

    // Queue control and webhook bookkeeping (for `errand serve`).
    it("skips paused queues in every claim until they are resumed", async () => {
      await store.insertJobs({ jobs: [newJob({ queue: "mail" }), newJob({ queue: "mail" }), newJob()] });
      await store.pauseQueue({ queue: "mail" });
      await store.pauseQueue({ queue: "mail" }); // idempotent
      await store.pauseQueue({ queue: "empty" });
      expect(await store.listPausedQueues()).toEqual(["empty", "mail"]);
      expect((await claim(10, W1, 30_000, ["mail", "default"])).map((j) => j.queue)).toEqual(["default"]);
      expect(await claim(10, W2, 30_000, ["mail"])).toEqual([]);
      await store.resumeQueue({ queue: "mail" });
      await store.resumeQueue({ queue: "mail" }); // idempotent
      expect(await store.listPausedQueues()).toEqual(["empty"]);
      expect(await claim(10, W2, 30_000, ["mail"])).toHaveLength(2);
    });

    it("keeps a job's correlation id and webhook URL", async () => {
      const [{ job }] = (await store.insertJobs({
        jobs: [newJob({ correlationId: "req-1", webhookUrl: "https://example.com/hook" })],
      })) as [InsertedJob];
      expect(job).toMatchObject({ correlationId: "req-1", webhookUrl: "https://example.com/hook" });
      expect(await store.getJob({ id: job.id })).toEqual(job);
      const [claimed] = await claim();
      expect(claimed).toMatchObject({ correlationId: "req-1", webhookUrl: "https://example.com/hook" });
      const [plain] = await store.insertJobs({ jobs: [newJob()] });
      expect(plain!.job).toMatchObject({ correlationId: null, webhookUrl: null });
    });

    it("lists ended jobs owing a webhook until marked, and re-arms them on replay", async () => {
      const [hooked, plain] = await store.insertJobs({
        jobs: [newJob({ webhookUrl: "https://example.com/h", maxAttempts: 1 }), newJob()],
      });
      expect(await store.listJobsAwaitingWebhook({ limit: 10 })).toEqual([]); // not ended yet
      const running = await claim(2);
      await store.failJob({ lease: lease(running.find((j) => j.id === hooked!.job.id)!), error, retryDelayMs: null });
      await store.completeJobs({ completions: [{ lease: lease(running.find((j) => j.id === plain!.job.id)!), result: null }] });
      const owing = await store.listJobsAwaitingWebhook({ limit: 10 });
      expect(owing.map((j) => [j.id, j.state, j.webhookUrl])).toEqual([[hooked!.job.id, "failed", "https://example.com/h"]]);
      await store.markWebhooksEnqueued({ jobs: owing });
      expect(await store.listJobsAwaitingWebhook({ limit: 10 })).toEqual([]);
      const { job: replayed } = (await store.retryJob({ id: hooked!.job.id })) as { job: Job };
      await store.markWebhooksEnqueued({ jobs: [replayed] }); // not ended: stays owed
      await store.cancelJob({ id: hooked!.job.id });
      expect((await store.listJobsAwaitingWebhook({ limit: 10 })).map((j) => [j.id, j.state])).toEqual([[hooked!.job.id, "canceled"]]);
    });

    it("marks only the ending it was told of: a job that ended again since still owes that webhook", async () => {
      const [hooked] = await store.insertJobs({ jobs: [newJob({ webhookUrl: "https://example.com/h" })] });
      await store.failJob({ lease: lease((await claim())[0]!), error, retryDelayMs: null });
      const [listed] = await store.listJobsAwaitingWebhook({ limit: 10 });
      // Between the dispatcher's listing and its mark, the job is replayed and ends again (a
      // millisecond later at least: endings are told apart by their time, as the deliveries' keys are).
      await waitFor(async () => (await store.now()) > listed!.finishedAt!);
      expect((await store.retryJob({ id: hooked!.job.id })).outcome).toBe("changed");
      expect((await store.cancelJob({ id: hooked!.job.id })).outcome).toBe("changed");
      await store.markWebhooksEnqueued({ jobs: [listed!] });
      expect((await store.listJobsAwaitingWebhook({ limit: 10 })).map((j) => [j.id, j.state])).toEqual([[hooked!.job.id, "canceled"]]);
    });
  });
}
