import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { queueLimit, typeLimit, validateLimitOptions } from "../../src/core/limits.js";
import { retryAfterMs } from "../../src/core/retry-after.js";
import { ClaimBudget } from "../../src/store/claim-budget.js";

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  it("reads delay-seconds and HTTP dates", () => {
    expect(retryAfterMs("120", { now })).toBe(120_000);
    expect(retryAfterMs("Sun, 22 Nov 2026 10:00:30 GMT", { now })).toBe(30_000);
  });
  it("falls back on missing or unreadable values, never goes negative, caps at a day", () => {
    expect(retryAfterMs(null, { fallbackMs: 5_000 })).toBe(5_000);
    expect(retryAfterMs("soon", { now, fallbackMs: 7 })).toBe(7);
    expect(retryAfterMs("Sun, 22 Nov 2026 09:00:00 GMT", { now })).toBe(0);
    expect(retryAfterMs("99999999", { now })).toBe(86_400_000);
  });
  it("reads the obsolete HTTP-date forms as GMT, and nothing else as a date", () => {
    expect(retryAfterMs("Sunday, 22-Nov-26 10:00:30 GMT", { now })).toBe(30_000);
    expect(retryAfterMs("Sun Nov 22 10:00:30 2026", { now })).toBe(30_000);
    // Date.parse reads these as dates long past (the year -5, 2001-01-05, an ISO instant):
    // unreadable as a Retry-After, so the fallback, not 0 (a job retried at once, over and over).
    for (const header of ["-5", "1.5", "2030-01-01T00:00:00Z", "22 Nov 2026", "Sun, 22 Nov 2026 10:00:30 +0000"])
      expect(retryAfterMs(header, { now, fallbackMs: 2_000 }), header).toBe(2_000);
  });
  it("refuses options it cannot use, naming them", () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof ValidationError ? error.field : error;
      }
      return "accepted";
    };
    expect(refusal(() => retryAfterMs("soon", { fallback: 5 } as never))).toBe("fallback");
    expect(refusal(() => retryAfterMs("soon", { fallbackMs: -1 }))).toBe("fallbackMs");
    expect(refusal(() => retryAfterMs("soon", { fallbackMs: 1.5 }))).toBe("fallbackMs");
    expect(refusal(() => retryAfterMs("soon", { now: Number.NaN }))).toBe("now");
    expect(refusal(() => retryAfterMs(120 as never))).toBe("header");
  });
});

describe("limit options", () => {
  it("accepts sane limits and rejects the rest with the field named", () => {
    expect(validateLimitOptions({ rateLimit: { max: 10, intervalMs: 1000 }, concurrencyLimit: 3 })).toEqual({
      rateLimit: { max: 10, intervalMs: 1000 },
      concurrencyLimit: 3,
    });
    expect(() => validateLimitOptions({ rateLimit: { max: 10 } as never })).toThrow(ValidationError);
    expect(() => validateLimitOptions({ concurrencyLimit: 0 })).toThrow(/concurrencyLimit/);
  });
});

describe("ClaimBudget", () => {
  const mail = typeLimit("mail", "default", { rateLimit: { max: 5, intervalMs: 1000 } });
  const queue = queueLimit("default", { concurrencyLimit: 4 });
  const job = (type: string, group_key: string | null = null) => ({ type, queue: "default", group_key });

  it("a sliding log: starts leave the window exactly one interval after they were made", () => {
    const logs = new Map([[mail.key, JSON.stringify([[1_000, 3], [1_500, 2]])]]);
    expect(new ClaimBudget([mail], logs, new Map(), 1_999).pick([job("mail")], 10, 10)).toHaveLength(0);
    const later = new ClaimBudget([mail], logs, new Map(), 2_000); // the 3 of t=1000 have left
    expect(later.pick(Array.from({ length: 5 }, () => job("mail")), 10, 10)).toHaveLength(3);
    expect(JSON.parse(later.windowUpdates().starts[0]!)).toEqual([[1_500, 2], [2_000, 3]]);
  });

  it("every limit counting a job must have room; a cap counts running jobs; others pass", () => {
    const budget = new ClaimBudget([mail, queue], new Map(), new Map([[queue.key, 2]]), 0);
    expect(budget.candidateFilter(["default", "free"], 50)).toEqual({
      queueBudgets: [2, null],
      types: ["mail"],
      typeQueues: ["default"],
      typeBudgets: [5],
    });
    const picked = budget.pick([job("mail"), job("mail"), job("mail"), job("other")], 10, 10);
    expect(picked.map((c) => c.type)).toEqual(["mail", "mail"]); // the queue cap (4 - 2) ran out
  });

  it("a spent budget (a claim with no free slot) takes no limited job and writes no log", () => {
    const budget = ClaimBudget.spent([mail, queue]);
    expect(budget.pick([job("mail"), job("other")], 10, 0)).toEqual([]); // the queue is limited too
    expect(budget.candidateFilter(["default"], 10).queueBudgets).toEqual([0]);
    expect(budget.windowUpdates()).toEqual({ keys: [], starts: [] });
  });

  it("restrictedLimit bounds limited and grouped jobs only", () => {
    const budget = new ClaimBudget([mail], new Map(), new Map(), 0);
    const picked = budget.pick([job("mail"), job("plain", "g"), job("plain"), job("mail"), job("plain")], 10, 1);
    expect(picked).toEqual([job("mail"), job("plain"), job("plain")]);
  });
});
