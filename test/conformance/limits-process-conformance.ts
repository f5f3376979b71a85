import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

const FIXTURE = "limits-worker.mjs";

interface Run {
  type: string;
  id: string;
  payload: { group?: string; seq?: number };
  start: number;
  end: number;
  pid: number;
  /** The store's clock when the claim was allowed. */
  claimedAt: number;
}

/** Most intervals open at one instant (an end at t comes before a start at t). */
function maxOverlap(runs: Pick<Run, "start" | "end">[]): number {
  const edges = runs.flatMap((r) => [[r.start, 1] as const, [r.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (open += step));
  return most;
}

/** Limits and groups across real worker processes sharing one store; each backend runs this once. */
export function describeLimitsProcessConformance(factory: StoreFactory): void {
  describe(`Limits and groups, worker processes: ${factory.name}`, () => {
    const dir = tempDir();
    let n = 0;
    let url: string;
    let recordFile: string;
    let errand: Errand;
    beforeEach(async () => {
      url = await factory.url();
      recordFile = join(dir, `runs-${++n}.jsonl`);
      writeFileSync(recordFile, "");
      errand = await Errand.connect(await factory.open(url));
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    const runs = (): Run[] =>
      readFileSync(recordFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Run);
    const workers = (count: number, env: Record<string, string>) =>
      Promise.all(
        Array.from({ length: count }, () => startWorkerProcess({ ERRAND_DATABASE_URL: url, RECORD_FILE: recordFile, ...env }, FIXTURE)),
      );
    const stop = async (children: Awaited<ReturnType<typeof workers>>) => {
      for (const child of children) child.kill("SIGTERM");
      expect(await Promise.all(children.map(exited))).toEqual(children.map(() => 0));
    };
    const completed = async () => (await errand.store.countJobs({}))[0]?.counts.completed ?? 0;

    it("a 10/s rate limit holds across 4 processes: about 10 starts per second in total", { timeout: 20_000 }, async () => {
      const children = await workers(4, { RATE_MAX: "10", RATE_INTERVAL_MS: "1000" });
      await errand.enqueueMany(Array.from({ length: 80 }, (_, i) => ({ type: "limited", payload: { seq: i } })));
      await waitFor(() => runs().length > 0, { what: "the first start" });
      // Three windows' worth: the first ten at once, then ten more as each second's starts age
      // out. Counted by the store's clock at each claim (job.startedAt): handler start times
      // jitter (a fresh process's first job starts later), the limit is about claims.
      await waitFor(() => Date.now() > Math.min(...runs().map((r) => r.start)) + 3_300, { timeoutMs: 6_000, intervalMs: 50 });
      const claims = runs().map((r) => r.claimedAt);
      const first = Math.min(...claims);
      const inThreeSeconds = claims.filter((t) => t < first + 3_000).length;
      expect(inThreeSeconds).toBeGreaterThanOrEqual(20);
      expect(inThreeSeconds).toBeLessThanOrEqual(30);
      // No window of one second ever holds more than 10 starts, and the limit was reached.
      const busiest = Math.max(...claims.map((t) => claims.filter((u) => u >= t && u < t + 1_000).length));
      expect(busiest).toBe(10);
      await stop(children);
    });

    it("a concurrency cap of 3 is never exceeded across 4 processes, and is used", { timeout: 20_000 }, async () => {
      const children = await workers(4, { CAP: "3", HOLD_MS: "60" });
      await errand.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ type: "capped", payload: { seq: i } })));
      await waitFor(async () => (await completed()) === 30, { timeoutMs: 15_000, intervalMs: 50, what: "30 completed jobs" });
      const capped = runs();
      expect(capped).toHaveLength(30);
      expect(maxOverlap(capped)).toBeLessThanOrEqual(3);
      expect(maxOverlap(capped)).toBeGreaterThanOrEqual(2);
      await stop(children);
    });

    it("groups across 4 processes: each group in enqueue order within its limit, groups in parallel", { timeout: 20_000 }, async () => {
      const children = await workers(4, { HOLD_MS: "25" });
      const groups = 16;
      const perGroup = 6;
      // Interleaved, as events for many accounts arrive; odd groups may run two at once.
      const jobs = await errand.enqueueMany(
        Array.from({ length: groups * perGroup }, (_, i) => {
          const g = i % groups;
          return { type: "grouped", payload: { group: `g${g}`, seq: Math.floor(i / groups) }, options: { groupKey: `g${g}`, groupConcurrency: 1 + (g % 2) } };
        }),
      );
      await waitFor(async () => (await completed()) === jobs.length, { timeoutMs: 15_000, intervalMs: 50, what: "every grouped job to complete" });
      const all = runs();
      expect(all).toHaveLength(jobs.length);
      for (let g = 0; g < groups; g++) {
        const members = all.filter((r) => r.payload.group === `g${g}`).sort((a, b) => a.start - b.start || a.payload.seq! - b.payload.seq!);
        const limit = 1 + (g % 2);
        expect(maxOverlap(members), `g${g}`).toBeLessThanOrEqual(limit);
        if (limit === 1) expect(members.map((r) => r.payload.seq), `g${g} order`).toEqual([0, 1, 2, 3, 4, 5]);
      }
      // Run one group at a time, this would take 96 × 25 ms; groups ran side by side instead.
      expect(maxOverlap(all)).toBeGreaterThanOrEqual(6);
      expect(new Set(all.map((r) => r.pid)).size).toBeGreaterThan(1);
      await stop(children);
    });
  });
}
