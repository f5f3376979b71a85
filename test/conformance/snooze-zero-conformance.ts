import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../helpers/store-factory.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

/** A job that snoozes with 0 ms on every run must not starve its process's timers (each backend runs this once). */
export function describeSnoozeZeroConformance(factory: StoreFactory): void {
  describe(`A job snoozing with 0 ms, again and again: ${factory.name}`, () => {
    it("leaves its process's timers running: the job keeps coming back, and a 200 ms timer fires", { timeout: 30_000 }, async () => {
      const child = await startWorkerProcess({ ERRAND_DATABASE_URL: await factory.url() }, "snooze-zero.mjs");
      let output = "";
      child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      // The parent's own clock decides: a child whose timers never fire is killed, not waited for.
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited(child);
      clearTimeout(killer);
      expect(output).toMatch(/timer \d+/);
      expect(code).toBe(0);
      expect(Number(/timer (\d+)/.exec(output)![1])).toBeGreaterThan(1);
    });
  });
}
