import { describe, expect, it, vi } from "vitest";
import { tickAfter, ticksBetween, validateCronSpec } from "../../src/core/cron.js";
import { ValidationError } from "../../src/core/errors.js";
import { DEFAULT_MISFIRE, type MisfirePolicy } from "../../src/core/schedule.js";
import { planTicks } from "../../src/scheduler/cron-ticks.js";

const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((d) => d.toISOString());
const berlin = (cron: string) => ({ cron, timezone: "Europe/Berlin" });
const utc = (cron: string) => ({ cron, timezone: "UTC" });

describe("cron ticks", () => {
  it("reads the expression in its time zone", () => {
    expect(tickAfter({ cron: "0 9 * * *", timezone: "America/New_York" }, at("2026-01-10T00:00:00Z"))).toEqual(at("2026-01-10T14:00:00Z"));
    expect(tickAfter({ cron: "0 9 * * *", timezone: "America/New_York" }, at("2026-07-10T00:00:00Z"))).toEqual(at("2026-07-10T13:00:00Z"));
  });

  it("takes a seconds field", () => {
    expect(isos(ticksBetween(utc("*/20 * * * * *"), at("2026-01-01T00:00:00Z"), at("2026-01-01T00:01:00Z"), 100))).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
      "2026-01-01T00:01:00.000Z",
    ]);
  });

  it("Europe/Berlin spring-forward: a daily 02:30 (a wall time that does not exist) runs once that day; hourly stays hourly", () => {
    const daily = ticksBetween(berlin("30 2 * * *"), at("2026-03-28T00:00:00Z"), at("2026-03-30T23:00:00Z"), 100);
    // 02:30 CET, then 03:30 CEST on the day the clocks jump from 02:00 to 03:00, then 02:30 CEST.
    expect(isos(daily)).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
    const hourly = ticksBetween(berlin("0 * * * *"), at("2026-03-28T23:00:00Z"), at("2026-03-29T03:00:00Z"), 100);
    expect(isos(hourly)).toEqual([
      "2026-03-28T23:00:00.000Z",
      "2026-03-29T00:00:00.000Z",
      "2026-03-29T01:00:00.000Z", // 03:00 CEST: 02:00 local never happened
      "2026-03-29T02:00:00.000Z",
      "2026-03-29T03:00:00.000Z",
    ]);
  });

  it("Europe/Berlin fall-back: a daily 02:30 (a wall time that occurs twice) runs once; every 30 minutes keeps real-time spacing", () => {
    const daily = ticksBetween(berlin("30 2 * * *"), at("2026-10-24T00:00:00Z"), at("2026-10-26T23:00:00Z"), 100);
    expect(isos(daily)).toEqual(["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    const halfHourly = ticksBetween(berlin("*/30 * * * *"), at("2026-10-25T00:00:00Z"), at("2026-10-25T01:30:00Z"), 100);
    // 02:00 and 02:30 local come twice (CEST, then CET): each is a distinct instant and runs.
    expect(isos(halfHourly)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ]);
  });

  it("a daily 02:30 runs once on the fall-back day, whenever the next tick is looked for (a resume in the repeated hour)", () => {
    // 01:10Z is 02:10 CET, the second pass of the hour; that day's 02:30 came at 00:30Z.
    expect(tickAfter(berlin("30 2 * * *"), at("2026-10-25T01:10:00Z"))).toEqual(at("2026-10-26T01:30:00Z"));
    expect(tickAfter(berlin("30 2 * * *"), at("2026-10-25T00:10:00Z"))).toEqual(at("2026-10-25T00:30:00Z"));
    expect(isos(ticksBetween(berlin("30 2 * * *"), at("2026-10-25T01:00:00Z"), at("2026-10-26T23:00:00Z"), 10))).toEqual(["2026-10-26T01:30:00.000Z"]);
    // A step through the hour still runs in both passes.
    expect(tickAfter(berlin("*/30 * * * *"), at("2026-10-25T01:10:00Z"))).toEqual(at("2026-10-25T01:30:00Z"));
  });

  it("Australia/Lord_Howe before its half-hour change: a daily noon finds its next tick, and the expression stays valid, where cron-parser gave up", () => {
    const lordHowe = { cron: "0 12 * * *", timezone: "Australia/Lord_Howe" };
    // From its 01:00Z tick on 2026-04-04 until the change at 15:00Z, cron-parser's next() threw "loop limit exceeded".
    expect(tickAfter(lordHowe, at("2026-04-04T01:00:00Z"))).toEqual(at("2026-04-05T01:30:00Z"));
    expect(tickAfter(lordHowe, at("2026-04-04T09:17:00Z"))).toEqual(at("2026-04-05T01:30:00Z"));
    expect(isos(ticksBetween(lordHowe, at("2026-04-03T00:00:00Z"), at("2026-04-06T00:00:00Z"), 10))).toEqual([
      "2026-04-03T01:00:00.000Z",
      "2026-04-04T01:00:00.000Z",
      "2026-04-05T01:30:00.000Z",
    ]);
    // Checked at such a moment (as a firing checks it), the expression is still taken: it was paused for good.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(at("2026-04-04T01:00:00Z"));
      expect(validateCronSpec(lordHowe.cron, lordHowe.timezone)).toEqual(lordHowe);
    } finally {
      vi.useRealTimers();
    }
  });

  it("rejects H (cron-parser's hashed value, a new random one on every read), but not day names holding an H", () => {
    for (const cron of ["H * * * *", "0 H * * *", "H/5 * * * * *", "0 3 * * 1,H"]) expect(() => validateCronSpec(cron, "UTC"), cron).toThrow(/uses H/);
    expect(validateCronSpec("0 3 * * THU", "UTC").cron).toBe("0 3 * * THU");
    expect(validateCronSpec("0 3 * * thu,SAT", "UTC").cron).toBe("0 3 * * thu,SAT");
  });

  it("rejects a bad expression or time zone, naming the field", () => {
    const fieldOf = (cron: unknown, timezone: unknown) => {
      try {
        validateCronSpec(cron, timezone);
        return null;
      } catch (error) {
        return (error as ValidationError).field;
      }
    };
    expect(fieldOf("61 * * * *", "UTC")).toBe("cron");
    expect(fieldOf("", "UTC")).toBe("cron");
    expect(fieldOf("* * * * * * *", "UTC")).toBe("cron");
    expect(fieldOf("0 0 30 2 *", "UTC")).toBe("cron"); // February 30th never comes
    expect(fieldOf(5, "UTC")).toBe("cron");
    expect(fieldOf("* * * * *", "Mars/Olympus_Mons")).toBe("timezone");
    expect(fieldOf("@daily", "Europe/Berlin")).toBeNull();
    expect(fieldOf("*/5 * * * * *", "UTC")).toBeNull();
    expect(() => validateCronSpec("every day", "UTC")).toThrow('cron: "every day" has 2 fields; a cron expression is 5 fields');
    // cron-parser itself would take these, filling the missing fields on the left with `*`.
    expect(() => validateCronSpec("0 3 * *", "UTC")).toThrow('cron: "0 3 * *" has 4 fields');
    expect(() => validateCronSpec("5", "UTC")).toThrow('cron: "5" has 1 field;');
    expect(validateCronSpec("@daily", "UTC").cron).toBe("@daily");
    expect(validateCronSpec("*/10 * * * * *", "UTC").cron).toBe("*/10 * * * * *");
  });
});

describe("planTicks: which ticks to enqueue now", () => {
  const plan = (cron: string, dueAt: string, now: string, misfire: Partial<MisfirePolicy> = {}) => {
    const p = planTicks({ spec: utc(cron), dueAt: at(dueAt), now: at(now), misfire: { ...DEFAULT_MISFIRE, ...misfire } });
    return { ticks: isos(p.ticks), next: p.nextTickAt.toISOString() };
  };

  it("a tick that just came: that one, then waits for the next", () => {
    expect(plan("* * * * *", "2026-01-01T10:00:00Z", "2026-01-01T10:00:00.300Z")).toEqual({
      ticks: ["2026-01-01T10:00:00.000Z"],
      next: "2026-01-01T10:01:00.000Z",
    });
  });

  it("a late poll within the grace enqueues every tick it passed: no gaps", () => {
    expect(plan("* * * * * *", "2026-01-01T10:00:00Z", "2026-01-01T10:00:02.500Z")).toEqual({
      ticks: ["2026-01-01T10:00:00.000Z", "2026-01-01T10:00:01.000Z", "2026-01-01T10:00:02.000Z"],
      next: "2026-01-01T10:00:03.000Z",
    });
  });

  it("ticks after the scheduler's last look are on time, though older than the grace: a poll slower than the grace misses none", () => {
    const p = (lookedAt: string | null) =>
      isos(planTicks({
        spec: utc("* * * * * *"),
        dueAt: at("2026-01-01T10:00:01Z"),
        now: at("2026-01-01T10:00:03.200Z"),
        misfire: { ...DEFAULT_MISFIRE, policy: "skip", graceMs: 1_000 },
        lookedAt: lookedAt === null ? null : at(lookedAt),
      }).ticks);
    expect(p("2026-01-01T10:00:00.700Z")).toEqual(["2026-01-01T10:00:01.000Z", "2026-01-01T10:00:02.000Z", "2026-01-01T10:00:03.000Z"]);
    // No look to go by (a scheduler just started, or one that was stopped): the grace decides.
    expect(p(null)).toEqual(["2026-01-01T10:00:03.000Z"]);
  });

  describe("after downtime (a daily 03:00 missed on 5 days)", () => {
    const daily = (misfire: Partial<MisfirePolicy>) => plan("0 3 * * *", "2026-01-01T03:00:00Z", "2026-01-05T10:00:00Z", misfire);
    const next = "2026-01-06T03:00:00.000Z";

    it("default (latest): one catch-up run, for the most recent missed tick", () => {
      expect(daily({})).toEqual({ ticks: ["2026-01-05T03:00:00.000Z"], next });
    });

    it("skip: nothing", () => {
      expect(daily({ policy: "skip" })).toEqual({ ticks: [], next });
    });

    it("backfill: the most recent N missed ticks, oldest first; never more than were missed", () => {
      expect(daily({ policy: "backfill", backfillLimit: 2 })).toEqual({
        ticks: ["2026-01-04T03:00:00.000Z", "2026-01-05T03:00:00.000Z"],
        next,
      });
      expect(daily({ policy: "backfill", backfillLimit: 50 }).ticks).toHaveLength(5);
    });
  });

  describe("after downtime across a DST change: the ticks forward iteration gives, once each", () => {
    const daily = (dueAt: string, now: string, misfire: Partial<MisfirePolicy>) =>
      isos(planTicks({ spec: berlin("30 2 * * *"), dueAt: at(dueAt), now: at(now), misfire: { ...DEFAULT_MISFIRE, ...misfire } }).ticks);

    it("spring-forward: the day whose 02:30 does not exist runs at 03:30 CEST", () => {
      expect(daily("2026-03-26T01:30:00Z", "2026-03-31T10:00:00Z", { policy: "backfill", backfillLimit: 1000 })).toEqual([
        "2026-03-26T01:30:00.000Z",
        "2026-03-27T01:30:00.000Z",
        "2026-03-28T01:30:00.000Z",
        "2026-03-29T01:30:00.000Z",
        "2026-03-30T00:30:00.000Z",
        "2026-03-31T00:30:00.000Z",
      ]);
      expect(daily("2026-03-29T01:30:00Z", "2026-03-29T10:00:00Z", {})).toEqual(["2026-03-29T01:30:00.000Z"]);
      expect(daily("2026-03-26T01:30:00Z", "2026-03-31T10:00:00Z", { policy: "backfill", backfillLimit: 3 })).toEqual([
        "2026-03-29T01:30:00.000Z",
        "2026-03-30T00:30:00.000Z",
        "2026-03-31T00:30:00.000Z",
      ]);
    });

    it("fall-back: the day whose 02:30 comes twice runs once, at the first", () => {
      expect(daily("2026-10-23T00:30:00Z", "2026-10-27T10:00:00Z", { policy: "backfill", backfillLimit: 1000 })).toEqual([
        "2026-10-23T00:30:00.000Z",
        "2026-10-24T00:30:00.000Z",
        "2026-10-25T00:30:00.000Z",
        "2026-10-26T01:30:00.000Z",
        "2026-10-27T01:30:00.000Z",
      ]);
    });
  });

  it("on-time ticks always run; the policy picks only among the missed ones", () => {
    const latest = plan("* * * * *", "2026-01-01T09:00:00Z", "2026-01-01T10:00:30Z");
    expect(latest).toEqual({ ticks: ["2026-01-01T09:59:00.000Z", "2026-01-01T10:00:00.000Z"], next: "2026-01-01T10:01:00.000Z" });
    expect(plan("* * * * *", "2026-01-01T09:00:00Z", "2026-01-01T10:00:30Z", { policy: "skip" }).ticks).toEqual(["2026-01-01T10:00:00.000Z"]);
    // A short grace makes a late tick a missed one.
    expect(plan("0 3 * * *", "2026-01-01T03:00:00Z", "2026-01-01T03:00:05Z", { policy: "skip", graceMs: 1000 }).ticks).toEqual([]);
    expect(plan("0 3 * * *", "2026-01-01T03:00:00Z", "2026-01-01T03:00:05Z", { policy: "skip" }).ticks).toEqual(["2026-01-01T03:00:00.000Z"]);
  });
});
