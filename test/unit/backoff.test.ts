import { describe, expect, it } from "vitest";
import { backoffDelay, validateBackoff } from "../../src/core/backoff.js";
import { RateLimitedError, SnoozeJob, ValidationError } from "../../src/core/errors.js";

describe("backoff", () => {
  const policy = { baseMs: 100, maxMs: 1_000, jitter: 0.5 };

  it("doubles per attempt up to the cap", () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(noJitter, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("randomises within [d·(1−jitter), d]", () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(400);
    expect(backoffDelay(policy, 3, () => 0.999999)).toBe(200);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(policy, 2);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(200);
    }
  });

  it("never overflows for huge attempt numbers", () => {
    expect(backoffDelay({ ...policy, jitter: 0 }, 5000)).toBe(1000);
  });

  it("rejects nonsense policies with the field named", () => {
    expect(() => validateBackoff({ baseMs: -1, maxMs: 10, jitter: 0 })).toThrow(ValidationError);
    expect(() => validateBackoff({ baseMs: 10, maxMs: 5, jitter: 0 })).toThrow(/maxMs/);
    expect(() => validateBackoff({ baseMs: 10, maxMs: 50, jitter: 2 })).toThrow(/jitter/);
  });

  it("caps delays at 100 years, as delayMs is: a longer run time overflows PostgreSQL's interval or a Date", () => {
    const year100 = 100 * 365 * 86_400_000;
    expect(validateBackoff({ baseMs: year100, maxMs: year100, jitter: 0 }).maxMs).toBe(year100);
    for (const [policy, field] of [
      [{ baseMs: 1e20, maxMs: 1e20, jitter: 0 }, "backoff.baseMs"],
      [{ baseMs: 1_000, maxMs: Number.MAX_SAFE_INTEGER, jitter: 0 }, "backoff.maxMs"],
      [{ baseMs: 1_000, maxMs: Infinity, jitter: 0 }, "backoff.maxMs"],
      [{ baseMs: "5" as unknown as number, maxMs: 10, jitter: 0 }, "backoff.baseMs"],
      // Whole milliseconds, as delayMs.
      [{ baseMs: 1.5, maxMs: 10, jitter: 0 }, "backoff.baseMs"],
      [{ baseMs: 1, maxMs: 10.5, jitter: 0 }, "backoff.maxMs"],
    ] as const) {
      expect(() => validateBackoff(policy), field).toThrow(expect.objectContaining({ field, message: expect.stringContaining("to 3153600000000 (100 years)") }));
    }
    // A handler's snooze or rate-limit retry too: storing it would fail, leaving the job to its lease.
    expect(new SnoozeJob(year100).delayMs).toBe(year100);
    expect(() => new SnoozeJob(year100 + 1)).toThrow(/from 0 to 3153600000000/);
    expect(() => new RateLimitedError({ retryAfterMs: 1e20 })).toThrow(/from 0 to 3153600000000/);
  });
});
