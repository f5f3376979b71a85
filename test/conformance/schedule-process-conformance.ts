import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

const TICKS = 4;

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ") as [string, string]);

/** Real processes racing to fire one cron schedule; each backend runs this once. */
export function describeScheduleProcessConformance(factory: StoreFactory): void {
  describe(`Cron schedule across processes: ${factory.name}`, () => {
    const dir = tempDir();

    it(`three processes each running the scheduler enqueue exactly one job per tick of an every-second cron, with no gaps`, async () => {
      const url = await factory.url();
      const recordFile = join(dir, "runs.log");
      const enqueuedFile = join(dir, "enqueued.log");
      writeFileSync(recordFile, "");
      writeFileSync(enqueuedFile, "");
      const errand = await Errand.connect(await factory.open(url));
      try {
        await errand.schedule("every-second", "* * * * * *", { type: "record", payload: {} });
        // Polling every 20 ms, all three find each tick due within a few ms of each other.
        const env = { ERRAND_DATABASE_URL: url, RECORD_FILE: recordFile, ENQUEUED_FILE: enqueuedFile, SCHEDULE_POLL_MS: "20" };
        const workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env), startWorkerProcess(env)]);
        await waitFor(async () => lines(recordFile).length >= TICKS, { timeoutMs: 10_000, what: `${TICKS} ticks run` });
        await errand.pauseSchedule("every-second");
        for (const w of workers) w.kill("SIGTERM");
        expect(await Promise.all(workers.map(exited))).toEqual([0, 0, 0]);

        const jobs = (await errand.listJobs({ limit: 1000 })).jobs;
        const ticks = jobs.map((j) => j.runAt.getTime()).sort((a, b) => a - b);
        expect(ticks.length).toBeGreaterThanOrEqual(TICKS);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
        // Each job was created by exactly one process (a process that lost a race creates nothing)...
        const creators = lines(enqueuedFile);
        expect(creators.map(([id]) => id).sort()).toEqual(jobs.map((j) => j.id).sort());
        // ...and ran exactly once.
        const ran = lines(recordFile).map(([id]) => id);
        expect(new Set(ran).size).toBe(ran.length);
      } finally {
        await errand.close({ graceMs: 0 });
      }
    });
  });
}
