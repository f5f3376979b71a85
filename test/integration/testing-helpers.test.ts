import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RateLimitedError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { drainQueue, expectEnqueued, runJobInline } from "../../src/testing/index.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = sqliteFactory();

describe("errand/testing", () => {
  let errand: Errand;
  beforeEach(async () => {
    errand = await Errand.connect(await factory.url());
  });
  afterEach(() => errand.close({ graceMs: 0 }));

  it("runJobInline runs the handler with a JSON round-tripped payload and records progress", async () => {
    const report = errand.define("report", {
      handler: async (p: { rows: number; since?: string }, ctx) => {
        await ctx.progress(10);
        await ctx.progress(100);
        return { rows: p.rows * 2, sinceType: typeof p.since, attempt: ctx.job.attempt };
      },
    });
    const run = await runJobInline(report, { rows: 21, since: "2026-01-01" }, { attempt: 3 });
    expect(run).toEqual({ result: { rows: 42, sinceType: "string", attempt: 3 }, progress: [10, 100] });
    await expect(runJobInline(report, { rows: 1, since: new Date() as unknown as string })).rejects.toThrow(/payload\.since: a Date/);
    expect((await errand.listJobs()).jobs).toHaveLength(0); // inline runs touch no store
  });

  it("runJobInline gives a handler that returns nothing the result production stores: null", async () => {
    const quiet = errand.define("quiet", { handler: async (_p: { id: string }) => {} });
    expect(await runJobInline(quiet, { id: "a" })).toEqual({ result: null, progress: [] });
    const job = await quiet.enqueue({ id: "b" });
    errand.work({ queues: ["default"] });
    const done = await waitFor(async () => ((await errand.getJob(job.id))?.state === "completed" ? errand.getJob(job.id) : null));
    expect(done!.result).toBeNull();
  });

  it("runJobInline surfaces handler errors", async () => {
    const boom = errand.define("boom", { handler: async () => { throw new Error("nope"); } });
    await expect(runJobInline(boom, {})).rejects.toThrow("nope");
  });

  it("expectEnqueued matches a payload subset, counts, and explains a miss", async () => {
    const email = errand.define<{ to: string; template: string; vars: { name: string } }>("email");
    await email.enqueue({ to: "a@x", template: "welcome", vars: { name: "Ann" } });
    await email.enqueue({ to: "b@x", template: "welcome", vars: { name: "Bob" } }, { queue: "mail" });
    const found = await expectEnqueued(errand, { type: email, payload: { vars: { name: "Ann" } } });
    expect(found).toHaveLength(1);
    await expectEnqueued(errand, { type: "email", payload: { template: "welcome" } }, { count: 2 });
    await expectEnqueued(errand, { type: email, queue: "mail" }, { count: 1 });
    await expect(expectEnqueued(errand, { type: email, payload: { to: "c@x" } })).rejects.toThrow(/found 0[\s\S]*a@x/);
    await expect(expectEnqueued(errand, { type: email }, { count: 3 })).rejects.toThrow(/expected 3 job/);
  });

  it("drainQueue works the queue until idle and reports the outcome", async () => {
    let attempts = 0;
    const ok = errand.define("ok", { handler: async (p: { n: number }) => p.n });
    const flaky = errand.define("flaky", {
      maxAttempts: 2,
      backoff: { baseMs: 5, maxMs: 10, jitter: 0 },
      handler: async () => {
        if (++attempts < 2) throw new Error("first try fails");
      },
    });
    const doomed = errand.define("doomed", { maxAttempts: 1, handler: async () => { throw new Error("always"); } });
    await errand.enqueueMany([ok.request({ n: 1 }), ok.request({ n: 2 }), flaky.request({}), doomed.request({})]);
    await ok.enqueue({ n: 3 }, { delayMs: 60_000 });
    const counts = await drainQueue(errand);
    expect(counts).toMatchObject({ completed: 3, failed: 1, scheduled: 1, pending: 0, running: 0, retrying: 0 });
    expect(attempts).toBe(2);
  });

  it("drainQueue leaves schedules alone: none fires into the test after the drain, and nothing is left running", async () => {
    const report = errand.define("report", { queue: "reports", handler: async () => "ok" });
    const mail = errand.define("mail", { queue: "mail", handler: async () => "sent" });
    await errand.schedule("every-second", "* * * * * *", { type: report, payload: {} });
    await mail.enqueue({});
    expect(await drainQueue(errand, { queues: ["mail"] })).toMatchObject({ completed: 1 });
    // Two ticks of the schedule pass: a scheduler started by the drain would have enqueued them.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expectEnqueued(errand, { type: report }, { count: 0 });
  });

  it("drainQueue and expectEnqueued refuse an Errand not given (a beforeEach that did not run), naming it", async () => {
    for (const helper of [() => drainQueue(undefined as unknown as Errand), () => expectEnqueued(undefined as unknown as Errand, { type: "x" })])
      await expect(helper()).rejects.toMatchObject({ name: "ValidationError", field: "errand" });
  });

  it("drainQueue waits for a job its handler snoozed (SnoozeJob, RateLimitedError) to run again", async () => {
    let runs = 0;
    const limited = errand.define("limited", {
      handler: async () => {
        if (++runs < 3) throw new RateLimitedError({ retryAfterMs: 50 });
        return "through";
      },
    });
    const job = await limited.enqueue({});
    await enqueueAlongside(errand);
    const counts = await drainQueue(errand);
    expect(counts).toMatchObject({ completed: 2, scheduled: 1, pending: 0, running: 0 });
    expect(runs).toBe(3);
    expect(await errand.getJob(job.id)).toMatchObject({ state: "completed", result: "through" });
  });
});

/** Another job alongside, and one delayed by its producer, which drainQueue leaves alone. */
async function enqueueAlongside(errand: Errand): Promise<void> {
  const plain = errand.define("plain", { handler: async () => "done" });
  await plain.enqueue({});
  await plain.enqueue({}, { delayMs: 60_000 });
}
