import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import { postgresFactory } from "../helpers/postgres-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

const factory = await postgresFactory();
const STOP_MS = 4_000;

// A claim of a rate-limited type holds the limit's window row (FOR UPDATE) between the
// statements of its transaction. A worker process stopped there (SIGSTOP here; a VM pause or a
// long GC elsewhere) used to stall every other process's claims of that type for as long as it
// stayed stopped. The server now ends a session idle in Errand's transaction after 2 s.
(factory ? describe : describe.skip)("PostgreSQL: a stopped worker process does not stall claims of a limited type", () => {
  const dir = tempDir();
  it(`another process claims the type again within each ${STOP_MS / 1000} s stop`, { timeout: 60_000 }, async () => {
    const url = await factory!.url();
    const errand = await Errand.connect(await factory!.open(url));
    try {
      const starts: number[] = [];
      errand.define("limited", {
        rateLimit: { max: 1_000_000, intervalMs: 1_000 },
        handler: async () => void starts.push(Date.now()),
      });
      await errand.enqueueMany(Array.from({ length: 30_000 }, (_, i) => ({ type: "limited", payload: { seq: i } })));
      const stopped = await startWorkerProcess(
        { ERRAND_DATABASE_URL: url, RECORD_FILE: `${dir}/runs.jsonl`, RATE_MAX: "1000000", RATE_INTERVAL_MS: "1000" },
        "limits-worker.mjs",
      );
      errand.work({ concurrency: 4, pollIntervalMs: 50 });
      const startedBetween = (from: number, to: number) => starts.filter((t) => t >= from && t < to).length;
      // Stopped at three moments: most land inside a claim's transaction, as they did before.
      for (let round = 0; round < 3; round++) {
        await sleep(300);
        stopped.kill("SIGSTOP");
        const at = Date.now();
        await sleep(STOP_MS);
        const late = startedBetween(at + STOP_MS - 1_000, at + STOP_MS);
        stopped.kill("SIGCONT");
        expect(late, `jobs started here in the last second of stop ${round + 1}`).toBeGreaterThan(0);
      }
      stopped.kill("SIGTERM");
      expect(await exited(stopped)).toBe(0);
    } finally {
      await errand.close({ graceMs: 0 });
    }
  });
});
