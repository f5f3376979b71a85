import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_JOB_DEFAULTS } from "../../src/core/enqueue-options.js";
import { DEFAULT_MISFIRE, scheduledJob, type NewSchedule } from "../../src/core/schedule.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";

const HOUR = 3_600_000;

function newSchedule(overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    name: "nightly",
    cron: "0 3 * * *",
    timezone: "Europe/Berlin",
    type: "cleanup",
    payload: '{"keepDays":7}',
    jobOptions: { ...DEFAULT_JOB_DEFAULTS, queue: "maintenance", priority: 5 },
    misfire: DEFAULT_MISFIRE,
    nextTickAt: new Date(Date.now() + HOUR),
    ...overrides,
  };
}

/** The store's schedule methods; each backend's store test file runs this once. */
export function describeScheduleStoreConformance(factory: StoreFactory): void {
  describe(`Schedule store conformance: ${factory.name}`, () => {
    let url: string;
    let store: Store;
    beforeEach(async () => {
      url = await factory.url();
      store = await factory.open(url);
    });
    afterEach(async () => {
      await store.close();
    });

    const fire = (dueAt: Date, nextTickAt: Date, name = "nightly", s: Store = store) =>
      s.fireSchedule({ name, dueAt, plan: (current) => ({ nextTickAt, lastTickAt: dueAt, jobs: [scheduledJob(current, dueAt)] }) });

    it("saves a schedule and reads it back; lists by name", async () => {
      const saved = await store.saveSchedule({ schedule: newSchedule() });
      expect(saved).toMatchObject({
        name: "nightly",
        cron: "0 3 * * *",
        timezone: "Europe/Berlin",
        type: "cleanup",
        payload: { keepDays: 7 },
        jobOptions: { queue: "maintenance", priority: 5, maxAttempts: 3, timeoutMs: null },
        misfire: { policy: "latest", backfillLimit: 10, graceMs: 60_000 },
        paused: false,
        lastTickAt: null,
      });
      expect(await store.getSchedule({ name: "nightly" })).toEqual(saved);
      expect(await store.getSchedule({ name: "nope" })).toBeNull();
      await store.saveSchedule({ schedule: newSchedule({ name: "a-first" }) });
      expect((await store.listSchedules()).map((s) => s.name)).toEqual(["a-first", "nightly"]);
    });

    it("saving again with the same cron and time zone keeps the tick it waits for; a new cron takes the new one; paused is kept", async () => {
      const first = await store.saveSchedule({ schedule: newSchedule() });
      await store.pauseSchedule({ name: "nightly" });
      const same = await store.saveSchedule({ schedule: newSchedule({ payload: '{"keepDays":1}', nextTickAt: new Date(Date.now() + 2 * HOUR) }) });
      expect(same).toMatchObject({ payload: { keepDays: 1 }, nextTickAt: first.nextTickAt, paused: true, createdAt: first.createdAt });
      const moved = new Date(Date.now() + 3 * HOUR);
      const changed = await store.saveSchedule({ schedule: newSchedule({ cron: "0 4 * * *", nextTickAt: moved }) });
      expect(changed).toMatchObject({ cron: "0 4 * * *", nextTickAt: moved });
    });

    it("pauses, resumes (from the tick it is given) and removes; unknown names say so", async () => {
      const saved = await store.saveSchedule({ schedule: newSchedule() });
      expect((await store.pauseSchedule({ name: "nightly" }))!.paused).toBe(true);
      expect((await store.pauseSchedule({ name: "nightly" }))!.paused).toBe(true);
      const resumeAt = new Date(Date.now() + 5 * HOUR);
      expect(await store.resumeSchedule({ name: "nightly", nextTickAt: resumeAt })).toMatchObject({ paused: false, nextTickAt: resumeAt });
      // Resuming an active schedule moves no tick.
      expect((await store.resumeSchedule({ name: "nightly", nextTickAt: new Date() }))!.nextTickAt).toEqual(resumeAt);
      expect(saved.nextTickAt).not.toEqual(resumeAt);
      expect(await store.pauseSchedule({ name: "nope" })).toBeNull();
      expect(await store.resumeSchedule({ name: "nope", nextTickAt: resumeAt })).toBeNull();
      expect(await store.removeSchedule({ name: "nightly" })).toBe(true);
      expect(await store.removeSchedule({ name: "nightly" })).toBe(false);
      expect(await store.listSchedules()).toEqual([]);
    });

    it("lists as due only active schedules whose tick has come, the longest-due first", async () => {
      const now = Date.now();
      await store.saveSchedule({ schedule: newSchedule({ name: "due-later", nextTickAt: new Date(now - 1000) }) });
      await store.saveSchedule({ schedule: newSchedule({ name: "due-first", nextTickAt: new Date(now - 5000) }) });
      await store.saveSchedule({ schedule: newSchedule({ name: "future", nextTickAt: new Date(now + HOUR) }) });
      await store.saveSchedule({ schedule: newSchedule({ name: "paused", nextTickAt: new Date(now - 9000) }) });
      await store.pauseSchedule({ name: "paused" });
      expect((await store.listDueSchedules({ limit: 10 })).map((s) => s.name)).toEqual(["due-first", "due-later"]);
      expect((await store.listDueSchedules({ limit: 1 })).map((s) => s.name)).toEqual(["due-first"]);
    });

    it("fires a tick once: moves the schedule on and inserts its job; a second firing of the same tick writes nothing", async () => {
      const dueAt = new Date(Date.now() - 1000);
      const next = new Date(dueAt.getTime() + HOUR);
      await store.saveSchedule({ schedule: newSchedule({ nextTickAt: dueAt }) });
      const fired = await fire(dueAt, next);
      expect(fired).toHaveLength(1);
      expect(fired![0]!.created).toBe(true);
      expect(fired![0]!.job).toMatchObject({ type: "cleanup", state: "pending", runAt: dueAt, idempotencyKey: `errand:schedule:nightly:${dueAt.toISOString()}` });
      expect(await store.getSchedule({ name: "nightly" })).toMatchObject({ nextTickAt: next, lastTickAt: dueAt });
      expect(await fire(dueAt, new Date(next.getTime() + HOUR))).toBeNull();
      expect((await store.getSchedule({ name: "nightly" }))!.nextTickAt).toEqual(next);
      expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(1);
    });

    it("does not fire a paused or removed schedule", async () => {
      const dueAt = new Date(Date.now() - 1000);
      await store.saveSchedule({ schedule: newSchedule({ nextTickAt: dueAt }) });
      await store.pauseSchedule({ name: "nightly" });
      expect(await fire(dueAt, new Date(Date.now() + HOUR))).toBeNull();
      await store.removeSchedule({ name: "nightly" });
      expect(await fire(dueAt, new Date(Date.now() + HOUR))).toBeNull();
      expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(0);
    });

    it("fires the schedule as it is when the firing holds it: a redefinition saved after the listing is the one enqueued", async () => {
      const dueAt = new Date(Date.now() - 1000);
      await store.saveSchedule({ schedule: newSchedule({ nextTickAt: dueAt, payload: '{"version":1}' }) });
      const [listed] = await store.listDueSchedules({ limit: 10 });
      expect(listed!.payload).toEqual({ version: 1 });
      // Redefined meanwhile with the same cron: it keeps waiting for the same tick.
      await store.saveSchedule({ schedule: newSchedule({ payload: '{"version":2}', jobOptions: { ...DEFAULT_JOB_DEFAULTS, queue: "elsewhere" } }) });
      const seen: unknown[] = [];
      const fired = await store.fireSchedule({
        name: "nightly",
        dueAt: listed!.nextTickAt,
        plan: (current) => {
          seen.push(current.payload);
          return { nextTickAt: new Date(Date.now() + HOUR), lastTickAt: dueAt, jobs: [scheduledJob(current, dueAt)] };
        },
      });
      expect(seen).toEqual([{ version: 2 }]);
      expect(fired!.map(({ job }) => [job.payload, job.queue])).toEqual([[{ version: 2 }, "elsewhere"]]);
      // Its tick has moved on: a firer that read the old tick is not asked for a plan at all.
      expect(await store.fireSchedule({ name: "nightly", dueAt, plan: () => expect.fail("planned a tick already fired") })).toBeNull();
    });

    it("fires atomically: a job that cannot be inserted leaves the schedule where it was", async () => {
      const dueAt = new Date(Date.now() - 1000);
      await store.saveSchedule({ schedule: newSchedule({ nextTickAt: dueAt }) });
      const bad = newJob({ type: null as unknown as string });
      const plan = () => ({ nextTickAt: new Date(Date.now() + HOUR), lastTickAt: dueAt, jobs: [newJob(), bad] });
      await expect(store.fireSchedule({ name: "nightly", dueAt, plan })).rejects.toThrow();
      expect((await store.getSchedule({ name: "nightly" }))!.nextTickAt).toEqual(dueAt);
      expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(0);
    });

    it("of many concurrent firings of one tick through separate connections, exactly one wins", async () => {
      const others = await Promise.all([factory.open(url), factory.open(url)]);
      try {
        const dueAt = new Date(Date.now() - 1000);
        const next = new Date(dueAt.getTime() + HOUR);
        await store.saveSchedule({ schedule: newSchedule({ nextTickAt: dueAt }) });
        const stores = [store, ...others];
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => fire(dueAt, next, "nightly", stores[i % 3])));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(1);
      } finally {
        await Promise.all(others.map((s) => s.close()));
      }
    });
  });
}
