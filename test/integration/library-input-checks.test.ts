import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailableError, ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { POSTGRES_URL, postgresFactory } from "../helpers/postgres-factory.js";
import { tempDir } from "../helpers/temp-dir.js";

const postgres = await postgresFactory();

/** What a JavaScript caller, whom no compiler checks, gets for a mistake: a ValidationError naming it, before anything is written. */
describe("the library refuses malformed calls by name", () => {
  const dir = tempDir();
  const open: Errand[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close({ graceMs: 0 })));
  });
  const connect = async () => {
    const errand = await Errand.connect(`sqlite:${join(dir, `checks-${open.length}-${Date.now()}.db`)}`);
    open.push(errand);
    return errand;
  };
  // Each call is made untyped, as from a .mjs file.
  const refusal = async (call: () => unknown): Promise<{ field: string; message: string }> => {
    try {
      await call();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return { field: (error as ValidationError).field, message: (error as ValidationError).message };
    }
    throw new Error("not refused");
  };
  const untyped = (value: unknown) => value as never;

  it("an ERRAND_LOG_LEVEL pino does not know is refused by name; empty means unset", async () => {
    const before = process.env.ERRAND_LOG_LEVEL;
    try {
      process.env.ERRAND_LOG_LEVEL = "verbose";
      expect(await refusal(() => connect())).toEqual({
        field: "ERRAND_LOG_LEVEL",
        message: 'ERRAND_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"',
      });
      process.env.ERRAND_LOG_LEVEL = "";
      expect((await connect()).logger.level).toBe("warn");
    } finally {
      if (before === undefined) delete process.env.ERRAND_LOG_LEVEL;
      else process.env.ERRAND_LOG_LEVEL = before;
    }
  });

  it("checks every connect option before it opens the store, so a refused connect leaves no file behind", async () => {
    const file = join(dir, "never.db");
    const url = `sqlite:${file}`;
    const cases: [unknown, string][] = [
      [{ bogus: 1 }, "bogus"],
      [{ payloadLimits: { maxBytes: -1 } }, "payloadLimits.maxBytes"],
      [{ payloadLimits: { maxDepth: "deep" } }, "payloadLimits.maxDepth"],
      [{ payloadLimits: { maxByte: 10 } }, "payloadLimits.maxByte"],
      [{ defaults: { maxAttempts: 0 } }, "defaults.maxAttempts"],
      [{ defaults: { webhookUrl: "http://x" } }, "defaults.webhookUrl"],
      [{ schedulePollIntervalMs: 0 }, "schedulePollIntervalMs"],
      // Past setTimeout's limit Node fires after 1 ms: the scheduler would ask the store without pause.
      [{ schedulePollIntervalMs: 2 ** 31 }, "schedulePollIntervalMs"],
      [{ retention: { intervalMs: 2 ** 31 } }, "retention.intervalMs"],
      [{ retention: { completd: { maxAgeMs: 1 } } }, "retention.completd"],
      [{ logger: "loud" }, "logger"],
      ["options", "options"],
    ];
    for (const [options, field] of cases) expect((await refusal(() => Errand.connect(url, untyped(options)))).field).toBe(field);
    expect(existsSync(file)).toBe(false);
    expect(await refusal(() => Errand.connect(untyped(42)))).toMatchObject({ field: "database" });
    expect(await refusal(() => Errand.migrate(untyped(42)))).toMatchObject({ field: "database" });
  });

  it("refuses misspelt options of define, enqueue, work, listings, flows, batches, limits and schedules instead of ignoring them", async () => {
    const errand = await connect();
    const def = errand.define("checked", { handler: async () => {} });
    const cases: [() => unknown, string][] = [
      [() => def.enqueue({}, untyped({ dealyMs: 5000 })), "dealyMs"],
      [() => def.enqueue({}, untyped("opts")), "options"],
      [() => def.enqueue({}, untyped({ backoff: { base: 5 } })), "backoff.base"],
      [() => errand.enqueueMany([def.request({}), untyped(null)]), "[1]"],
      [() => errand.enqueueMany([untyped({ type: "checked", paylod: {} })]), "[0].paylod"],
      [() => errand.define("other", untyped({ quue: "a" })), "quue"],
      [() => errand.define("batched", untyped({ batch: { size: 2, maxWait: 5 }, batchHandler: async () => [] })), "batch.maxWait"],
      [() => errand.listJobs(untyped({ sate: "failed" })), "sate"],
      [() => errand.retryJobs(untyped({ limt: 5 })), "limt"],
      [() => errand.cancelJobs(untyped({ state: "pending", queu: "a" })), "queu"],
      [() => errand.work(untyped({ concurency: 2 })), "concurency"],
      [() => errand.work(untyped({ queues: ["a b"] })), "queues[0]"],
      [() => errand.work(untyped({ queues: ["ok", 5] })), "queues[1]"],
      [() => errand.work({ prefetch: -1 }), "prefetch"],
      [() => errand.on(untyped("finished"), () => {}), "name"],
      [() => errand.on("completed", untyped(5)), "listener"],
      [() => errand.enqueueFlow(untyped({ a: { job: def.request({}), afterr: [] } })), "nodes.a.afterr"],
      [() => errand.enqueueFlow({ a: { job: def.request({}) } }, untyped({ onParentFail: "continue" })), "onParentFail"],
      [() => errand.enqueueBatch([def.request({})], untyped({ onComplete: def.request({}), onDone: 1 })), "onDone"],
      [() => errand.limitQueue("q", untyped({ ratelimit: { max: 1, intervalMs: 1000 } })), "ratelimit"],
      [() => errand.limitQueue("q", untyped({ rateLimit: { max: 1, interval: 1000 } })), "rateLimit.interval"],
      [() => errand.schedule("nightly", "0 3 * * *", untyped({ type: "checked", timezon: "Europe/Paris" })), "timezon"],
      [() => errand.schedule("nightly", "0 3 * * *", untyped({ type: "checked", misfire: { polcy: "skip" } })), "misfire.polcy"],
    ];
    for (const [call, field] of cases) expect({ field: (await refusal(call)).field }).toEqual({ field });
    expect((await refusal(() => errand.work({ prefetch: -1 }))).message).toBe("prefetch: must be an integer ≥ 0 (0: claim only for free slots)");
    expect(await errand.listJobs()).toEqual({ jobs: [], nextCursor: null }); // nothing was written
    expect(await errand.listSchedules()).toEqual([]);
  });

  it("takes an option set to undefined, at any depth, as left out: its default holds", async () => {
    const errand = await Errand.connect(`sqlite:${join(dir, "undefined-options.db")}`, {
      payloadLimits: { maxBytes: undefined, maxDepth: 4 },
      defaults: { backoff: { baseMs: undefined, maxMs: 5_000 } },
    });
    open.push(errand);
    const def = errand.define("defaults-kept", { handler: async () => {}, backoff: { jitter: undefined } });
    const job = await def.enqueue({ text: "x".repeat(2_000) }, { delayMs: undefined, backoff: { maxMs: undefined } });
    expect(job.backoff).toEqual({ baseMs: 1_000, maxMs: 5_000, jitter: 0.5 });
    expect((await refusal(() => def.enqueue({ a: { b: { c: { d: { e: 1 } } } } }))).field).toBe("payload.a.b.c.d");
    expect(await refusal(() => def.enqueue({}, { backoff: { baseMs: -1 } }))).toEqual({ field: "backoff.baseMs", message: "backoff.baseMs: must be an integer from 0 to 3153600000000 (100 years)" });
    expect(await refusal(() => def.enqueue({}, { runAt: new Date(8.64e15) }))).toEqual({ field: "runAt", message: "runAt: must be within 100 years of now" });
  });

  it("refuses misspelt options of close, metrics and the testing helpers, which would otherwise pass a test for nothing", async () => {
    const errand = await connect();
    const { drainQueue, expectEnqueued, runJobInline } = await import("../../src/testing/index.js");
    const { ErrandMetrics } = await import("../../src/metrics/errand-metrics.js");
    const def = errand.define("helped", { queue: "mq", handler: async () => "done" });
    await def.enqueue({});
    expect((await refusal(() => drainQueue(errand, untyped({ queue: ["mq"] })))).field).toBe("queue");
    expect((await refusal(() => expectEnqueued(errand, untyped({ typ: "helped" })))).field).toBe("match.typ");
    expect((await refusal(() => expectEnqueued(errand, { type: def }, untyped({ cout: 1 })))).field).toBe("cout");
    expect((await refusal(() => runJobInline(def, {}, untyped({ atempt: 2 })))).field).toBe("atempt");
    // Not what they take at all: named, not a TypeError from inside.
    expect((await refusal(() => runJobInline(untyped("helped"), {}))).field).toBe("definition");
    expect((await refusal(() => expectEnqueued(untyped({}), { type: def }))).field).toBe("errand");
    expect((await refusal(() => expectEnqueued(errand, { type: def }, { count: -1 })))).toEqual({ field: "count", message: "count: must be an integer ≥ 0" });
    // ctx.progress checks its argument inline as a worker does, so a test catches what production would refuse.
    for (const bad of [150, "50", NaN]) {
      const reporter = errand.define(`reports-${String(bad)}`, { handler: async (_p, ctx) => ctx.progress(untyped(bad)) });
      expect(await refusal(() => runJobInline(reporter, {}))).toEqual({
        field: "progress",
        message: `progress: must be a number from 0 to 100, got ${bad === "50" ? '"50"' : String(bad)}`,
      });
    }
    expect((await refusal(() => new ErrandMetrics(errand, untyped({ jobcounts: false })))).field).toBe("jobcounts");
    expect((await refusal(() => errand.close(untyped({ gracems: 5 })))).field).toBe("gracems");
    expect(await drainQueue(errand, { queues: ["mq"] })).toMatchObject({ completed: 1 }); // still open: close refused before it began
  });

  it("names the SQLite file it cannot open", async () => {
    await expect(Errand.connect(`sqlite:${dir}`)).rejects.toThrow(`cannot open the SQLite database file "${dir}"`);
  });

  it.skipIf(postgres === null)("reports a PostgreSQL database that does not exist as the store unavailable, naming it", async () => {
    const missing = new URL(POSTGRES_URL);
    missing.pathname = "/errand_no_such_database";
    const error = await Errand.connect(missing.toString()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/errand_no_such_database.*does not exist/);
  });
});
