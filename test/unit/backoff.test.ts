import { describe, expect, it } from "vitest";
import { backoffDelay, validateBackoff } from "../../src/core/backoff.js";
import { ValidationError } from "../../src/core/errors.js";

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
});
