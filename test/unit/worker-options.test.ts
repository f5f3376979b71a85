import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { MAX_TIMER_MS } from "../../src/core/timer-limit.js";
import { resolveWorkerOptions } from "../../src/worker/worker-options.js";
import { waitFor } from "../helpers/wait-for.js";

describe("resolveWorkerOptions", () => {
  const refusal = (options: Parameters<typeof resolveWorkerOptions>[0]) => {
    try {
      resolveWorkerOptions(options);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).message;
    }
    throw new Error("not refused");
  };

  it("fills in the defaults", () => {
    expect(resolveWorkerOptions()).toEqual({
      queues: ["default"],
      concurrency: 10,
      leaseMs: 15_000,
      heartbeatMs: 5_000,
      pollIntervalMs: 500,
      reaperIntervalMs: 5_000,
      shutdownGraceMs: 10_000,
      prefetch: 500,
    });
  });

  it("bounds every duration by setTimeout's limit, which would otherwise fire after 1 ms", () => {
    expect(resolveWorkerOptions({ leaseMs: MAX_TIMER_MS, shutdownGraceMs: MAX_TIMER_MS })).toMatchObject({ leaseMs: MAX_TIMER_MS, shutdownGraceMs: MAX_TIMER_MS });
    for (const field of ["leaseMs", "heartbeatMs", "pollIntervalMs", "reaperIntervalMs"] as const)
      expect(refusal({ [field]: MAX_TIMER_MS + 1 })).toBe(`${field}: must be an integer from 1 to 2147483647 ms`);
    expect(refusal({ shutdownGraceMs: 3_000_000_000 })).toBe("shutdownGraceMs: must be an integer from 0 to 2147483647 ms");
    expect(refusal({ shutdownGraceMs: -1 })).toBe("shutdownGraceMs: must be an integer from 0 to 2147483647 ms");
    expect(resolveWorkerOptions({ shutdownGraceMs: 0 }).shutdownGraceMs).toBe(0);
  });

  it("refuses a lease too short for its heartbeat", () => {
    expect(refusal({ leaseMs: 1 })).toMatch(/^heartbeatMs: must be shorter than 1 ms/);
    expect(resolveWorkerOptions({ leaseMs: 2 }).heartbeatMs).toBe(1);
  });

  it("refuses a heartbeat that would beat after its lease is reported lapsed (leaseMs less a tenth, at most 1 s)", () => {
    expect(refusal({ leaseMs: 3_000, heartbeatMs: 2_800 })).toBe(
      "heartbeatMs: must be shorter than 2700 ms: leaseMs less a tenth of it (at most 1 s), when a lease no beat extended is reported lapsed",
    );
    expect(refusal({ leaseMs: 30_000, heartbeatMs: 29_000 })).toMatch(/^heartbeatMs: must be shorter than 29000 ms/);
    expect(resolveWorkerOptions({ leaseMs: 30_000, heartbeatMs: 28_999 }).heartbeatMs).toBe(28_999);
  });
});

describe("close({ graceMs })", () => {
  it("refuses a grace setTimeout cannot hold, before anything closes", async () => {
    const errand = await Errand.connect("sqlite::memory:");
    const job = errand.define("noop", { handler: async () => "done" });
    const worker = errand.work();
    await expect(worker.close({ graceMs: MAX_TIMER_MS + 1 })).rejects.toThrow(`graceMs: must be an integer from 0 to ${MAX_TIMER_MS} ms`);
    await expect(errand.close({ graceMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    // Still open and working: the refused closes changed nothing.
    const enqueued = await job.enqueue({});
    await waitFor(async () => (await errand.getJob(enqueued.id))?.state === "completed", { what: "the job to run" });
    await errand.close({ graceMs: 0 });
  });
});
