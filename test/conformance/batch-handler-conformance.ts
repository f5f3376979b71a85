import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobCanceledError, JobTimeoutError, PermanentError, SnoozeJob, ValidationError } from "../../src/core/errors.js";
import type { Job } from "../../src/core/job.js";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const fast = { leaseMs: 2_000, heartbeatMs: 100, pollIntervalMs: 20, reaperIntervalMs: 100 };
const quickBackoff = { baseMs: 10, maxMs: 20, jitter: 0 };
const never = new Promise<never>(() => {});
const abortedBy = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

/** Batch handlers through the public Errand API; each backend runs this once. */
export function describeBatchHandlerConformance(factory: StoreFactory): void {
  describe(`Batch handlers: ${factory.name}`, () => {
    let url: string;
    let errand: Errand;
    beforeEach(async () => {
      url = await factory.url();
      errand = await Errand.connect(await factory.open(url), { retention: false });
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    const ended = (ids: string[]) =>
      waitFor(
        async () => {
          const jobs = await Promise.all(ids.map((id) => errand.getJob(id)));
          return jobs.every((j) => j !== null && ["completed", "failed", "canceled"].includes(j.state)) ? (jobs as Job[]) : null;
        },
        { what: "every job to end" },
      );

    it("gives one call up to `size` jobs, more than one when many are queued, in one slot; each job keeps its own result", async () => {
      const sizes: number[] = [];
      const double = errand.define("double", {
        batch: { size: 10, maxWaitMs: 300 },
        batchHandler: async (payloads: { n: number }[], ctx) => {
          sizes.push(payloads.length);
          expect(ctx.jobs.map((j) => j.payload)).toEqual(payloads);
          return payloads.map((p) => p.n * 2);
        },
      });
      const jobs = await errand.enqueueMany(Array.from({ length: 25 }, (_, n) => double.request({ n })));
      errand.work({ ...fast, concurrency: 1 });
      const done = await ended(jobs.map((j) => j.id));
      expect(done.map((j) => [j.state, j.result])).toEqual(jobs.map((_, n) => ["completed", n * 2]));
      expect(sizes.reduce((a, b) => a + b)).toBe(25);
      expect(Math.max(...sizes)).toBe(10);
      expect(sizes.every((s) => s >= 1 && s <= 10)).toBe(true);
    });

    it("releases a partial batch once its first job has waited maxWaitMs", async () => {
      const calls: { size: number; at: number }[] = [];
      const send = errand.define("send", {
        batch: { size: 100, maxWaitMs: 200 },
        batchHandler: async (payloads: number[]) => {
          calls.push({ size: payloads.length, at: Date.now() });
          return payloads;
        },
      });
      const jobs = await errand.enqueueMany([send.request(1), send.request(2), send.request(3)]);
      errand.work(fast);
      const done = await ended(jobs.map((j) => j.id));
      expect(done.map((j) => j.state)).toEqual(["completed", "completed", "completed"]);
      expect(calls.map((c) => c.size)).toEqual([3]);
      const firstClaimed = Math.min(...done.map((j) => j.startedAt!.getTime()));
      expect(calls[0]!.at - firstClaimed).toBeGreaterThanOrEqual(150);
    });

    it("with maxWaitMs 0 sends the jobs at hand at once; single-job types in the same queue run alongside", async () => {
      const sizes: number[] = [];
      const now = errand.define("now", {
        batch: { size: 100, maxWaitMs: 0 },
        batchHandler: async (payloads: number[]) => (sizes.push(payloads.length), payloads),
      });
      const single = errand.define("single", { handler: async (n: number) => n + 1 });
      const jobs = await errand.enqueueMany([...[1, 2, 3, 4, 5].map((n) => now.request(n)), single.request(10)]);
      errand.work(fast);
      const done = await ended(jobs.map((j) => j.id));
      expect(done.map((j) => j.result)).toEqual([1, 2, 3, 4, 5, 11]);
      expect(sizes).toEqual([5]);
    });

    it("records each job's own outcome: results, a failure that retries, a PermanentError, a snooze", async () => {
      let snoozed = false;
      const mixed = errand.define("mixed", {
        batch: { size: 10, maxWaitMs: 200 },
        maxAttempts: 3,
        backoff: quickBackoff,
        batchHandler: async (payloads: string[], ctx) =>
          payloads.map((p, i) => {
            const attempt = ctx.jobs[i]!.attempt;
            if (p === "flaky" && attempt === 1) return new Error("try again");
            if (p === "bad") return new PermanentError("never");
            if (p === "later" && !snoozed) {
              snoozed = true;
              return new SnoozeJob(50);
            }
            return { done: p, attempt };
          }),
      });
      const jobs = await errand.enqueueMany(["ok-1", "flaky", "bad", "ok-2", "later"].map((p) => mixed.request(p)));
      errand.work(fast);
      const [ok1, flaky, bad, ok2, later] = await ended(jobs.map((j) => j.id));
      expect(snoozed).toBe(true);
      expect(later).toMatchObject({ state: "completed", result: { done: "later", attempt: 1 }, attempt: 1, errors: [] });
      expect(ok1).toMatchObject({ state: "completed", result: { done: "ok-1", attempt: 1 }, attempt: 1, errors: [] });
      expect(ok2).toMatchObject({ state: "completed", result: { done: "ok-2", attempt: 1 }, attempt: 1, errors: [] });
      expect(flaky).toMatchObject({ state: "completed", result: { done: "flaky", attempt: 2 }, attempt: 2 });
      expect(flaky!.errors.map((e) => e.message)).toEqual(["try again"]);
      expect(bad).toMatchObject({ state: "failed", attempt: 1 });
      expect(bad!.errors.map((e) => [e.message, e.code])).toEqual([["never", "permanent_failure"]]);
    });

    it("a throwing batch handler fails every job of the batch as one attempt each", async () => {
      let calls = 0;
      const all = errand.define("all-or-nothing", {
        batch: { size: 10, maxWaitMs: 100 },
        maxAttempts: 2,
        backoff: quickBackoff,
        batchHandler: async (payloads: number[]) => {
          if (++calls === 1) throw new Error("provider down");
          return payloads;
        },
      });
      const jobs = await errand.enqueueMany([all.request(1), all.request(2)]);
      errand.work(fast);
      const done = await ended(jobs.map((j) => j.id));
      for (const job of done) {
        expect(job).toMatchObject({ state: "completed", attempt: 2 });
        expect(job.errors.map((e) => e.message)).toEqual(["provider down"]);
      }
    });

    it("fails the batch's jobs when the handler returns the wrong number of outcomes", async () => {
      const short = errand.define("short", {
        batch: { size: 10, maxWaitMs: 100 },
        maxAttempts: 1,
        batchHandler: async (payloads: number[]) => payloads.slice(1),
      });
      const jobs = await errand.enqueueMany([short.request(1), short.request(2)]);
      errand.work(fast);
      for (const job of await ended(jobs.map((j) => j.id))) {
        expect(job.state).toBe("failed");
        expect(job.errors[0]!.message).toMatch(/returned 1 outcomes; it must return an array of one outcome per job \(2\)/);
      }
    });

    it("keeps every job's lease by heartbeat through a batch longer than the lease", async () => {
      const slow = errand.define("slow", {
        batch: { size: 10, maxWaitMs: 50 },
        batchHandler: async (payloads: number[]) => {
          await new Promise((r) => setTimeout(r, 1_200));
          return payloads;
        },
      });
      const jobs = await errand.enqueueMany([slow.request(1), slow.request(2), slow.request(3)]);
      errand.work({ leaseMs: 300, heartbeatMs: 60, reaperIntervalMs: 50, pollIntervalMs: 20 });
      for (const job of await ended(jobs.map((j) => j.id))) expect(job).toMatchObject({ state: "completed", attempt: 1, errors: [] });
    });

    it("cancels one job of a running batch: its own signal fires and it ends canceled; the rest complete", async () => {
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const reasons: unknown[] = [];
      const cancelable = errand.define("cancelable", {
        batch: { size: 3, maxWaitMs: 1_000 },
        batchHandler: async (payloads: number[], ctx) => {
          started();
          await abortedBy(ctx.signalOf(1));
          reasons.push(ctx.signalOf(1).reason, ctx.signal.aborted);
          return payloads;
        },
      });
      const jobs = await errand.enqueueMany([cancelable.request(1), cancelable.request(2), cancelable.request(3)]);
      errand.work(fast);
      await running;
      await errand.cancelJob(jobs[1]!.id);
      const done = await ended(jobs.map((j) => j.id));
      expect(done.map((j) => j.state)).toEqual(["completed", "canceled", "completed"]);
      expect(reasons[0]).toBeInstanceOf(JobCanceledError);
      expect(reasons[1]).toBe(false);
    });

    it("fires the batch's signal once every job has timed out; the jobs retry", async () => {
      let calls = 0;
      let batchReason: unknown;
      const timed = errand.define("timed", {
        batch: { size: 5, maxWaitMs: 50 },
        timeoutMs: 150,
        maxAttempts: 2,
        backoff: quickBackoff,
        batchHandler: async (payloads: number[], ctx) => {
          if (++calls > 1) return payloads;
          await abortedBy(ctx.signal);
          batchReason = ctx.signal.reason;
          return never;
        },
      });
      const jobs = await errand.enqueueMany([timed.request(1), timed.request(2)]);
      errand.work(fast);
      const done = await ended(jobs.map((j) => j.id));
      expect(batchReason).toBeInstanceOf(JobTimeoutError);
      for (const job of done) {
        expect(job).toMatchObject({ state: "completed", attempt: 2 });
        expect(job.errors.map((e) => e.code)).toEqual(["timeout"]);
      }
    });

    it("a forming batch's jobs are leased, a canceled one is dropped, and close() returns the rest unstarted", async () => {
      let calls = 0;
      const slowToFill = errand.define("slow-to-fill", {
        batch: { size: 100, maxWaitMs: 60_000 },
        batchHandler: async (payloads: number[]) => (calls++, payloads),
      });
      const jobs = await errand.enqueueMany([slowToFill.request(1), slowToFill.request(2), slowToFill.request(3)]);
      const worker = errand.work({ ...fast, leaseMs: 300, heartbeatMs: 50, reaperIntervalMs: 50 });
      await waitFor(() => worker.running === 3, { what: "the batch to gather all three jobs" });
      await errand.cancelJob(jobs[1]!.id);
      await waitFor(() => worker.running === 2, { what: "the canceled job to leave the batch" });
      // Several lease lengths later, heartbeats have kept the waiting jobs running on their first attempt.
      const firstLease = (await errand.getJob(jobs[0]!.id))!.leaseExpiresAt!.getTime();
      await waitFor(async () => (await errand.store.now()).getTime() > firstLease + 600, { what: "two leases to pass" });
      expect((await errand.getJob(jobs[0]!.id))!).toMatchObject({ state: "running", attempt: 1, errors: [] });
      await errand.close();
      const after = await Errand.connect(await factory.open(url), { retention: false });
      try {
        const states = await Promise.all(jobs.map(async (j) => (await after.getJob(j.id))!));
        expect(states.map((j) => [j.state, j.attempt])).toEqual([["pending", 0], ["canceled", 1], ["pending", 0]]);
        expect(calls).toBe(0);
      } finally {
        await after.close();
      }
    });

    it("rejects bad batch options at define, naming the field", () => {
      const fieldOf = (define: () => unknown) => {
        try {
          define();
        } catch (error) {
          return error instanceof ValidationError ? error.field : "not a ValidationError";
        }
        return "accepted";
      };
      const batchHandler = async (payloads: unknown[]) => payloads;
      expect(fieldOf(() => errand.define("a", { batch: { size: 0, maxWaitMs: 10 }, batchHandler }))).toBe("batch.size");
      expect(fieldOf(() => errand.define("b", { batch: { size: 5, maxWaitMs: -1 }, batchHandler }))).toBe("batch.maxWaitMs");
      expect(fieldOf(() => errand.define("c", { batch: { size: 5, maxWaitMs: 0 } } as never))).toBe("batchHandler");
      expect(fieldOf(() => errand.define("d", { handler: async () => 1, batchHandler } as never))).toBe("handler");
    });
  });
}
