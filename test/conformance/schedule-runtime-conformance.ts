import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import { DEFAULT_JOB_DEFAULTS } from "../../src/core/enqueue-options.js";
import { ScheduleNotFoundError, ValidationError } from "../../src/core/errors.js";
import { DEFAULT_MISFIRE, type MisfirePolicy } from "../../src/core/schedule.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const fast = { leaseMs: 2_000, pollIntervalMs: 50 };

// Compile-time checks (npm run typecheck): a definition's payload type reaches schedule().
async function typedUsage(errand: Errand) {
  const report = errand.define<{ day: string }, void>("report");
  await errand.schedule("daily-report", "0 6 * * *", { type: report, payload: { day: "today" } });
  // @ts-expect-error — wrong payload shape for the definition
  await errand.schedule("daily-report", "0 6 * * *", { type: report, payload: { days: 1 } });
  // @ts-expect-error — misfire policy is one of latest, skip, backfill
  await errand.schedule("x", "* * * * *", { type: "x", misfire: { policy: "sometimes" } });
}

/** Schedules through the public Errand API, fired by real schedulers; each backend runs this once. */
export function describeScheduleRuntimeConformance(factory: StoreFactory): void {
  describe(`Schedule runtime conformance: ${factory.name}`, () => {
    let errand: Errand;
    beforeEach(async () => {
      errand = await Errand.connect(await factory.open(await factory.url()), { schedulePollIntervalMs: 50 });
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    it("is typed by definition", () => {
      expect(typeof typedUsage).toBe("function");
    });

    it("validates every field, naming it, and writes nothing", async () => {
      const fieldOf = async (run: () => Promise<unknown>) => {
        const error = await run().then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).field;
      };
      expect(await fieldOf(() => errand.schedule("nightly", "61 * * * *", { type: "cleanup" }))).toBe("cron");
      expect(await fieldOf(() => errand.schedule("nightly", "0 3 * * *", { type: "cleanup", timezone: "Nowhere/City" }))).toBe("timezone");
      expect(await fieldOf(() => errand.schedule("bad name!", "0 3 * * *", { type: "cleanup" }))).toBe("name");
      expect(await fieldOf(() => errand.schedule("nightly", "0 3 * * *", { type: "" }))).toBe("type");
      expect(await fieldOf(() => errand.schedule("nightly", "0 3 * * *", { type: "cleanup", payload: { at: new Date() } }))).toBe("payload.at");
      expect(await fieldOf(() => errand.schedule("nightly", "0 3 * * *", { type: "cleanup", queue: "no spaces" }))).toBe("queue");
      const misfire = { policy: "backfill", backfillLimit: 0 } as Partial<MisfirePolicy>;
      expect(await fieldOf(() => errand.schedule("nightly", "0 3 * * *", { type: "cleanup", misfire }))).toBe("misfire.backfillLimit");
      expect(await errand.listSchedules()).toEqual([]);
    });

    it("saves with the type's defaults under the given options, lists, pauses, resumes and removes", async () => {
      const cleanup = errand.define<{ keepDays: number }, void>("cleanup", { queue: "maintenance", maxAttempts: 7 });
      const saved = await errand.schedule("nightly", "0 3 * * *", { type: cleanup, payload: { keepDays: 7 }, timezone: "Europe/Berlin", priority: 3 });
      expect(saved).toMatchObject({
        name: "nightly",
        cron: "0 3 * * *",
        timezone: "Europe/Berlin",
        type: "cleanup",
        payload: { keepDays: 7 },
        jobOptions: { queue: "maintenance", maxAttempts: 7, priority: 3 },
        misfire: DEFAULT_MISFIRE,
        paused: false,
      });
      // The next 03:00 in Berlin is 01:00 or 02:00 UTC.
      expect([1, 2]).toContain(saved.nextTickAt.getUTCHours());
      expect(await errand.listSchedules()).toEqual([saved]);
      expect((await errand.pauseSchedule("nightly")).paused).toBe(true);
      expect((await errand.resumeSchedule("nightly")).paused).toBe(false);
      await errand.removeSchedule("nightly");
      expect(await errand.getSchedule("nightly")).toBeNull();
      await expect(errand.removeSchedule("nightly")).rejects.toBeInstanceOf(ScheduleNotFoundError);
      await expect(errand.pauseSchedule("nightly")).rejects.toBeInstanceOf(ScheduleNotFoundError);
      await expect(errand.resumeSchedule("nightly")).rejects.toBeInstanceOf(ScheduleNotFoundError);
    });

    it("a worker's scheduler enqueues every tick of a seconds cron; the handler sees the tick as runAt; pause stops it", async () => {
      const ticks: number[] = [];
      errand.define("tick", { handler: async (_payload: { n: number }, ctx) => void ticks.push(ctx.job.runAt.getTime()) });
      await errand.schedule("every-second", "* * * * * *", { type: "tick", payload: { n: 1 } });
      errand.work(fast);
      await waitFor(() => ticks.length >= 3, { what: "three ticks run", timeoutMs: 6_000 });
      const paused = await errand.pauseSchedule("every-second");
      const sorted = [...ticks].sort((a, b) => a - b);
      for (const [i, t] of sorted.entries()) {
        expect(t % 1000).toBe(0);
        if (i > 0) expect(t - sorted[i - 1]!).toBe(1000); // no gaps, no repeats
      }
      expect(paused.lastTickAt!.getTime()).toBeGreaterThanOrEqual(sorted.at(-1)!);
      // Paused: the next poll finds nothing due, however long it waits.
      const enqueued = (await errand.listJobs({ type: "tick", limit: 100 })).jobs.length;
      await waitFor(async () => (await errand.store.now()).getTime() > paused.nextTickAt.getTime() + 300, { what: "a tick to pass" });
      expect((await errand.listJobs({ type: "tick", limit: 100 })).jobs).toHaveLength(enqueued);
    });

    it("a scheduler that polls less often than a schedule's grace still enqueues every tick: none counts as missed while it runs", async () => {
      const slow = await Errand.connect(await factory.open(await factory.url()), { schedulePollIntervalMs: 1_500 });
      try {
        slow.define("tick", { handler: async () => {} });
        await slow.schedule("every-second", "* * * * * *", { type: "tick", payload: {}, misfire: { policy: "skip", graceMs: 1_000 } });
        slow.work(fast);
        const ticks = async () => (await slow.listJobs({ type: "tick", limit: 100 })).jobs.map((j) => j.runAt.getTime()).sort((a, b) => a - b);
        // Three polls, each finding ticks up to 1.5 s old.
        await waitFor(async () => (await ticks()).length >= 4, { what: "ticks of three polls", timeoutMs: 8_000 });
        const seen = await ticks();
        for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBe(1000); // no gaps
      } finally {
        await slow.close({ graceMs: 0 });
      }
    });

    it("pauses, and logs, a schedule an older version saved with an expression this one refuses (H): it never fired", async () => {
      const logged: { msg: string; schedule?: string; reason?: string }[] = [];
      const logger = pino({ level: "error" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
      const e = await Errand.connect(await factory.open(await factory.url()), { schedulePollIntervalMs: 50, logger });
      try {
        const save = (name: string, cron: string) =>
          e.store.saveSchedule({
            schedule: { name, cron, timezone: "UTC", type: "t", payload: "{}", jobOptions: DEFAULT_JOB_DEFAULTS, misfire: DEFAULT_MISFIRE, nextTickAt: new Date(Date.now() - 1000) },
          });
        await save("hashed", "H * * * *");
        await save("fine", "0 3 * * *");
        e.work({ ...fast, queues: ["unused"] });
        await waitFor(async () => (await e.getSchedule("hashed"))?.paused === true, { what: "the H schedule paused" });
        expect(logged).toEqual([expect.objectContaining({ schedule: "hashed", msg: expect.stringContaining("cron schedule paused"), reason: expect.stringContaining("uses H") })]);
        await waitFor(async () => (await e.getSchedule("fine"))!.nextTickAt.getTime() > Date.now(), { what: "the other schedule to move on" });
        expect((await e.getSchedule("fine"))!.paused).toBe(false);
      } finally {
        await e.close({ graceMs: 0 });
      }
    });

    it("after downtime follows each schedule's misfire policy", async () => {
      // Every February 29th, last fired long ago: ticks in 2012, 2016, 2020 and 2024 were missed.
      const cron = "0 3 29 2 *";
      const longAgo = new Date("2010-01-01T00:00:00Z");
      const save = (name: string, misfire: Partial<MisfirePolicy>) =>
        errand.store.saveSchedule({
          schedule: { name, cron, timezone: "UTC", type: "leap", payload: "{}", jobOptions: DEFAULT_JOB_DEFAULTS, misfire: { ...DEFAULT_MISFIRE, ...misfire }, nextTickAt: longAgo },
        });
      await save("default", {});
      await save("skip", { policy: "skip" });
      await save("backfill", { policy: "backfill", backfillLimit: 2 });
      errand.work({ ...fast, queues: ["unused"] });
      await waitFor(async () => (await errand.listSchedules()).every((s) => s.nextTickAt > longAgo), { what: "every schedule fired" });
      const keys = (await errand.listJobs({ limit: 100 })).jobs.map((j) => j.idempotencyKey).sort();
      expect(keys).toEqual([
        "errand:schedule:backfill:2020-02-29T03:00:00.000Z",
        "errand:schedule:backfill:2024-02-29T03:00:00.000Z",
        "errand:schedule:default:2024-02-29T03:00:00.000Z",
      ]);
      for (const s of await errand.listSchedules()) expect(s.nextTickAt).toEqual(new Date("2028-02-29T03:00:00Z"));
    });
  });
}
