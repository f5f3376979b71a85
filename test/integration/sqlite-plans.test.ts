import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobState } from "../../src/core/states.js";
import { listStatementFor, SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { prepareStatements } from "../../src/store/sqlite/statements.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir();

/**
 * Listing a state's jobs must cost what those jobs cost, not what every kept job does: with the
 * finished jobs kept for days, a listing that walks ids down past them (SCAN errand_jobs, with no
 * index) reads them all to find a few failed or waiting ones.
 */
describe("SQLite listing plans", () => {
  it("lists failed, canceled, waiting, blocked and running jobs through an index, among many completed ones", async () => {
    const path = join(dir, "plans.sqlite");
    await (await SqliteStore.open(path)).close();
    const db = new Database(path);
    try {
      const insert = (count: number, state: string) =>
        db
          .prepare(
            `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
             INSERT INTO errand_jobs (type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at)
             SELECT 'plan', 'default', @state, '{}', 1, 3, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', 0, 0 FROM n`,
          )
          .run({ count, state });
      insert(100, "failed");
      insert(20_000, "completed");
      const params = { type: null, queue: null, cursor: null, limit: 50, now: Date.now() };
      // As Errand leaves a database (nothing runs ANALYZE), and with statistics (a user may).
      for (const statistics of [false, true]) {
        if (statistics) db.exec("ANALYZE");
        const statements = prepareStatements(db);
        for (const state of ["failed", "canceled", "pending", "scheduled", "retrying", "running", "blocked"] as JobState[]) {
          const source = statements[listStatementFor(state)].source;
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${source}`).all({ ...params, state }) as { detail: string }[]).map((r) => r.detail);
          expect(plan.join("\n"), `${state}, ANALYZE ${statistics}`).not.toMatch(/^SCAN errand_jobs$/m);
        }
      }
      // Counted: the ended jobs from their tallies, the others through their indexes.
      for (const statistics of [false, true]) {
        if (!statistics) db.exec("DROP TABLE IF EXISTS sqlite_stat1");
        else db.exec("ANALYZE");
        const { source } = prepareStatements(db).count_jobs;
        for (const queues of [null, '["default"]']) {
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${source}`).all({ queues, now: Date.now() }) as { detail: string }[]).map((r) => r.detail);
          expect(plan.join("\n"), `count, ANALYZE ${statistics}`).not.toMatch(/SCAN errand_jobs$/m);
        }
      }
      // A replayed flow node's look at its parents goes by key, however many jobs are kept.
      const reopen = prepareStatements(db).reopen_parent_edges.source;
      const reopenPlan = (db.prepare(`EXPLAIN QUERY PLAN ${reopen}`).all({ id: 1 }) as { detail: string }[]).map((r) => r.detail);
      expect(reopenPlan.join("\n"), "reopen_parent_edges").not.toMatch(/SCAN (errand_jobs|parent|child)\b/m);
      // Completed jobs are found at once walking ids down: no index needed.
      expect(listStatementFor("completed")).toBe("list_jobs");
    } finally {
      db.close();
    }
  });
});
