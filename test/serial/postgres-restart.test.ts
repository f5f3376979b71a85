// Restarts the shared PostgreSQL server, so it runs on its own, after every other test file
// (vitest.serial.config.ts; see the `test` script): no other file's connections are cut.
import { afterAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/core/errors.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { postgresServerControl } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { startWorkerProcess } from "../helpers/worker-process.js";
import { workerScenario } from "../helpers/worker-scenario.js";

const factory = await postgresFactory();
const server = factory ? await postgresServerControl() : null;
// Whatever happens in the test, the server is left running for whoever comes next.
afterAll(async () => server?.ensureUp());

const JOBS = 3_000;

(factory ? describe : describe.skip)("PostgreSQL goes away during processing", () => {
  const dir = tempDir();
  it("workers reconnect by themselves and every job completes, none run twice; enqueue during the outage rejects", { timeout: 60_000 }, async () => {
    const scenario = await workerScenario(factory!, dir);
    const { errand, schema } = scenario;
    try {
      // The outage makes every worker log errors by design; only a crash would be news.
      const env = scenario.env({ CONCURRENCY: "20", SLOW_MS: "5", LEASE_MS: "5000", ERRAND_LOG_LEVEL: "fatal" });
      const workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
      await errand.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ type: "record", payload: { i } })));
      const runs = () => scenario.runs().length;
      await waitFor(() => runs() >= 300, { timeoutMs: 20_000, what: "processing to be under way" });

      if (server) {
        await server.stop();
        try {
          // Nothing can be written: the caller hears so at once, with a clear error.
          const during = errand.enqueue("record", { during: "outage" });
          await expect(during).rejects.toBeInstanceOf(StoreUnavailableError);
          await expect(during).rejects.toThrow(/PostgreSQL at .* is unavailable/);
          expect(runs()).toBeLessThan(JOBS); // the outage really fell mid-run
        } finally {
          await server.start();
        }
      } else {
        console.warn(`\n!!!!! cannot restart PostgreSQL here (needs root and pg_ctlcluster): terminating Errand's backends instead; the outage enqueue is not tested !!!!!\n`);
        const killed = await adminQuery<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ANY($1)",
          [[`errand:${schema}`, `errand-listener:${schema}`]],
        );
        expect(killed.length).toBeGreaterThan(0);
      }

      // No process was restarted: the workers and this process reconnect on their own.
      const after = await errand.enqueue("record", { after: "outage" });
      expect(after.state).toBe("pending");
      await waitFor(async () => (await errand.store.countJobs({}))[0]?.counts.completed === JOBS + 1, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `all ${JOBS + 1} jobs completed`,
      });
      // A handler that finished during the outage has its outcome stored once the server is
      // back (its worker tries again while the heartbeat keeps the lease): no job runs twice.
      // Before that, 226 and 250 of 3,000 jobs ran twice in two runs (leases of 2 s then), once
      // their leases ran out.
      const ids = scenario.runs().map(([id]) => id);
      expect(ids.length - new Set(ids).size, "jobs whose handler ran twice").toBe(0);
      for (const w of workers) expect(w.exitCode).toBeNull();
      const { jobs } = await errand.listJobs({ limit: 1 });
      expect(jobs[0]!.id).toBe(after.id); // the rejected enqueue left no job behind
    } finally {
      await server?.ensureUp();
      await errand.close({ graceMs: 0 });
    }
  });
});
