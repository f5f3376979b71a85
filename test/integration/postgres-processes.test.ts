import { describe, expect, it } from "vitest";
import { describeProcessConformance } from "../conformance/process-conformance.js";
import { describeScheduleProcessConformance } from "../conformance/schedule-process-conformance.js";
import { describeSnoozeZeroConformance } from "../conformance/snooze-zero-conformance.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";
import { workerScenario } from "../helpers/worker-scenario.js";

const factory = await postgresFactory();

if (factory) {
  describeProcessConformance(factory);
  describeScheduleProcessConformance(factory);
  describeSnoozeZeroConformance(factory);
} else describe.skip("PostgreSQL worker processes", () => it("needs a reachable PostgreSQL"));

const JOBS = 20_000;

(factory ? describe : describe.skip)("PostgreSQL: many processes, one killed", () => {
  const dir = tempDir();
  it(`four processes share ${JOBS.toLocaleString("en")} jobs; one is SIGKILLed mid-run and loses nothing`, { timeout: 60_000 }, async () => {
    const { errand, schema, env: scenarioEnv, runs } = await workerScenario(factory!, dir);
    try {
      const env = (extra: Record<string, string>) => scenarioEnv({ CONCURRENCY: "25", ...extra });
      // The doomed process is slowed down so it always has handlers in flight when it dies, and
      // takes short leases so its jobs return quickly. The survivors' leases are long enough that
      // a machine this busy (four workers and PostgreSQL) never lets a live one lapse.
      const survivor = env({ LEASE_MS: "5000" });
      const [doomed, ...survivors] = await Promise.all([
        startWorkerProcess(env({ SLOW_MS: "20", LEASE_MS: "1000" })),
        startWorkerProcess(survivor),
        startWorkerProcess(survivor),
        startWorkerProcess(survivor),
      ]);
      await errand.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ type: "record", payload: { i } })));
      const doomedPid = String(doomed!.pid);
      await waitFor(() => runs().filter(([, pid]) => pid === doomedPid).length >= 200, { timeoutMs: 20_000, what: "the doomed process to be well into its share" });
      doomed!.kill("SIGKILL");
      await exited(doomed!);

      const completed = async () => (await errand.store.countJobs({}))[0]?.counts.completed ?? 0;
      await waitFor(async () => (await completed()) === JOBS, { timeoutMs: 40_000, intervalMs: 100, what: `${JOBS} completed jobs` });

      // Each handler run is recorded exactly once. A job runs once, unless the killed process had
      // claimed it: then its lease expired and a survivor ran it as attempt 2. (The killed process
      // may have died before that job's handler started, so attempt 1 has at most one record.)
      const runsOf = new Map<string, string[]>();
      for (const [id, pid] of runs()) runsOf.set(id, [...(runsOf.get(id) ?? []), pid]);
      const rows = await adminQuery<{ id: string; attempt: number; codes: string[] }>(
        `SELECT id, attempt, ARRAY(SELECT e->>'code' FROM jsonb_array_elements(errors) AS e) AS codes FROM "${schema}".jobs`,
      );
      expect(rows).toHaveLength(JOBS);
      let rescued = 0;
      for (const row of rows) {
        const pids = runsOf.get(row.id) ?? [];
        if (row.attempt === 1) {
          expect(pids, `job ${row.id}`).toHaveLength(1);
          expect(row.codes).toEqual([]);
        } else {
          expect(row.attempt, `job ${row.id}`).toBe(2);
          expect(row.codes).toEqual(["lease_expired"]);
          expect(pids.filter((pid) => pid !== doomedPid), `job ${row.id} ran in ${pids}; ${doomedPid} was killed`).toHaveLength(1);
          expect(pids.filter((pid) => pid === doomedPid).length).toBeLessThanOrEqual(1);
          expect(pids.at(-1)).not.toBe(doomedPid);
          rescued++;
        }
      }
      expect(runsOf.size).toBe(JOBS);
      expect(rescued).toBeGreaterThan(0); // it really died mid-run, with jobs in hand
      for (const w of survivors) w.kill("SIGTERM");
      expect(await Promise.all(survivors.map(exited))).toEqual([0, 0, 0]);
    } finally {
      await errand.close({ graceMs: 0 });
    }
  });
});
