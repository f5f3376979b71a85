import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { DEFAULT_RETENTION, resolveRetention } from "../../src/core/retention.js";

describe("retention options", () => {
  it("defaults to completed and canceled 7 days, failed 30 days, and false turns retention off", () => {
    const day = 24 * 60 * 60 * 1000;
    expect(resolveRetention(undefined)).toEqual({
      rules: {
        completed: { maxAgeMs: 7 * day, maxCount: null },
        failed: { maxAgeMs: 30 * day, maxCount: null },
        canceled: { maxAgeMs: 7 * day, maxCount: null },
      },
      intervalMs: 60_000,
      batchSize: 500,
    });
    expect(resolveRetention(false)).toBeNull();
  });

  it("fills what a rule leaves out from the default, and null lifts a limit", () => {
    const policy = resolveRetention({ completed: { maxCount: 1000 }, failed: { maxAgeMs: null, maxCount: 10 } })!;
    expect(policy.rules.completed).toEqual({ maxAgeMs: DEFAULT_RETENTION.rules.completed.maxAgeMs, maxCount: 1000 });
    expect(policy.rules.failed).toEqual({ maxAgeMs: null, maxCount: 10 });
    expect(policy.rules.canceled).toEqual(DEFAULT_RETENTION.rules.canceled);
  });

  it("names the field of a bad value", () => {
    const fieldOf = (options: unknown) => {
      try {
        resolveRetention(options as never);
      } catch (error) {
        return error instanceof ValidationError ? error.field : "not a ValidationError";
      }
      return "accepted";
    };
    expect(fieldOf({ completed: { maxAgeMs: -1 } })).toBe("retention.completed.maxAgeMs");
    expect(fieldOf({ failed: { maxCount: 1.5 } })).toBe("retention.failed.maxCount");
    expect(fieldOf({ canceled: "forever" })).toBe("retention.canceled");
    expect(fieldOf({ intervalMs: 0 })).toBe("retention.intervalMs");
    expect(fieldOf({ batchSize: null })).toBe("retention.batchSize");
    expect(fieldOf("yes")).toBe("retention");
    // A misspelt option would otherwise leave the default in force without a word.
    expect(fieldOf({ complete: { maxCount: 10 } })).toBe("retention.complete");
    expect(fieldOf({ completed: { maxAge: 1000 } })).toBe("retention.completed.maxAge");
  });
});
