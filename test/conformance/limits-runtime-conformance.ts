import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RateLimitedError, SnoozeJob, ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const fast = { leaseMs: 2_000, heartbeatMs: 100, pollIntervalMs: 20, reaperIntervalMs: 100 };

/** Limits, groups and RateLimitedError through the public Errand API; each backend runs this once. */
export function describeLimitsRuntimeConformance(factory: StoreFactory): void {
  describe(`Limits and groups, runtime: ${factory.name}`, () => {
    let errand: Errand;
    beforeEach(async () => {
      errand = await Errand.connect(await factory.open(await factory.url()));
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });
    const completed = (id: string) =>
      waitFor(async () => {
        const job = await errand.getJob(id);
        return job?.state === "completed" ? job : null;
      }, { what: `job ${id} to complete` });

    it("RateLimitedError delays the job by retryAfterMs without using up an attempt", async () => {
      const runs: number[] = [];
      const call = errand.define("call-api", {
        maxAttempts: 1,
        handler: async () => {
          runs.push(Date.now());
          if (runs.length === 1) throw new RateLimitedError({ retryAfterMs: 300 });
          return "ok";
        },
      });
      errand.work(fast);
      const job = await call.enqueue({});
      const done = await completed(job.id);
      expect(done).toMatchObject({ attempt: 1, result: "ok", errors: [] });
      expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(290);
    });

    it("a batch type under a rate limit gets full batches: a free slot takes a batch of limited jobs, not one", async () => {
      const sizes: number[] = [];
      const bulk = errand.define("bulk-email", {
        queue: "bulk",
        rateLimit: { max: 1_000, intervalMs: 1_000 },
        batch: { size: 20, maxWaitMs: 50 },
        batchHandler: async (payloads: { i: number }[]) => {
          sizes.push(payloads.length);
          await new Promise((resolve) => setTimeout(resolve, 20));
          return payloads.map(() => "sent");
        },
      });
      await errand.enqueueMany(Array.from({ length: 100 }, (_, i) => bulk.request({ i })));
      // A poll interval long enough that a claim coming back short shows: the batches would wait for it.
      errand.work({ ...fast, queues: ["bulk"], concurrency: 1, pollIntervalMs: 500 });
      await waitFor(() => sizes.reduce((sum, n) => sum + n, 0) === 100, { what: "every job handled" });
      expect(sizes).toEqual([20, 20, 20, 20, 20]);
    });

    it("a type's concurrency cap holds within one worker with free slots", async () => {
      let running = 0;
      let most = 0;
      const render = errand.define("render", {
        concurrencyLimit: 2,
        handler: async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 30));
          running--;
        },
      });
      errand.work({ ...fast, concurrency: 10 });
      const jobs = await errand.enqueueMany(Array.from({ length: 8 }, (_, i) => render.request({ i })));
      for (const job of jobs) await completed(job.id);
      expect(most).toBe(2);
    });

    it("limitQueue caps a whole queue; groupKey runs a key's jobs in order", async () => {
      const order: number[] = [];
      let running = 0;
      let most = 0;
      errand.limitQueue("ledger", { concurrencyLimit: 3 });
      const post = errand.define("post-entry", {
        queue: "ledger",
        handler: async (payload: { n: number }) => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 10));
          order.push(payload.n);
          running--;
        },
      });
      errand.work({ ...fast, queues: ["ledger"], concurrency: 10 });
      const jobs = await errand.enqueueMany(Array.from({ length: 6 }, (_, n) => post.request({ n }, { groupKey: "acct-1" })));
      for (const job of jobs) await completed(job.id);
      expect(order).toEqual([0, 1, 2, 3, 4, 5]);
      expect(most).toBe(1);
    });

    it("a group's next job and a capped type's next job start once the last one is stored, not at the next poll", async () => {
      // A poll far longer than the test: every start after the first must come from the
      // worker noticing that an ending freed the group's turn or the cap's slot.
      const slow = { ...fast, pollIntervalMs: 5_000, concurrency: 10 };
      const post = errand.define("post-entry", { handler: async () => new Promise((r) => setTimeout(r, 10)) });
      const render = errand.define("render", { concurrencyLimit: 1, handler: async () => new Promise((r) => setTimeout(r, 10)) });
      const grouped = await errand.enqueueMany(Array.from({ length: 4 }, (_, n) => post.request({ n }, { groupKey: "acct-1" })));
      const capped = await errand.enqueueMany(Array.from({ length: 4 }, (_, n) => render.request({ n })));
      const startedAt = Date.now();
      errand.work(slow);
      for (const job of [...grouped, ...capped]) await completed(job.id);
      expect(Date.now() - startedAt).toBeLessThan(3_000);
    });

    it("refuses a limited type's job in another queue, where its limits would not count it: enqueue, batch and schedule alike", async () => {
      const sms = errand.define("send-sms", { queue: "sms", concurrencyLimit: 1, handler: async () => {} });
      const refusal = { field: "queue", message: `queue: job type "send-sms" has a rate limit or concurrency cap, counted in its queue "sms": its jobs go there, not to "bulk", or they would run unlimited` };
      await expect(sms.enqueue({}, { queue: "bulk" })).rejects.toMatchObject(refusal);
      await expect(errand.enqueue("send-sms", {}, { queue: "bulk" })).rejects.toMatchObject(refusal);
      await expect(errand.enqueueMany([sms.request({}), sms.request({}, { queue: "bulk" })])).rejects.toMatchObject({ field: "[1].queue" });
      await expect(errand.schedule("nightly-sms", "0 3 * * *", { type: sms, payload: {}, queue: "bulk" })).rejects.toMatchObject(refusal);
      expect((await errand.listJobs()).jobs).toEqual([]);
      expect(await errand.listSchedules()).toEqual([]);
      // Its own queue, named or not, is fine.
      expect((await sms.enqueue({}, { queue: "sms" })).queue).toBe("sms");
    });

    it("rejects bad limits at define and limitQueue, naming the field", () => {
      expect(() => errand.define("a", { rateLimit: { max: 0, intervalMs: 1000 } })).toThrow(ValidationError);
      expect(() => errand.define("b", { rateLimit: { max: 5, intervalMs: -1 } })).toThrow(/rateLimit.intervalMs/);
      expect(() => errand.define("c", { concurrencyLimit: 1.5 })).toThrow(/concurrencyLimit/);
      expect(() => errand.limitQueue("q", {})).toThrow(/limitQueue/);
      expect(() => errand.limitQueue("bad queue!", { concurrencyLimit: 1 })).toThrow(/queue/);
      // As every error Errand throws: an ErrandError with a code, naming what was wrong.
      const refusals = [
        () => new RateLimitedError({ retryAfterMs: -5 }),
        () => new RateLimitedError({ retryAfterMs: 1.5 }),
        () => new (RateLimitedError as unknown as new () => RateLimitedError)(),
      ];
      for (const refused of refusals) {
        expect(refused).toThrow(ValidationError);
        expect(refused).toThrow(/^RateLimitedError retryAfterMs: must be an integer from 0 to/);
      }
      expect(() => new SnoozeJob(-1)).toThrow(ValidationError);
      expect(() => new SnoozeJob(1.5)).toThrow("SnoozeJob delayMs: must be an integer from 0 to 3153600000000 (100 years), not 1.5");
    });
  });
}
