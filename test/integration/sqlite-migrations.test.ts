import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SchemaBehindError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { loadMigrations, migrate } from "../../src/store/sqlite/migrate.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { newJob } from "../helpers/new-job.js";
import { sqliteDatabaseAt } from "../helpers/schema-at-version.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("SQLite migrations on a database with jobs in it", () => {
  const dir = tempDir();
  it("009 rebuilds the jobs table keeping every row and index, and never reuses the id of a deleted job", async () => {
    const path = join(dir, "at-8.db");
    const db = sqliteDatabaseAt(path, 8);
    const insert = db.prepare(
      `INSERT INTO errand_jobs (type, queue, state, payload, max_attempts, backoff, idempotency_key, created_at, run_at)
       VALUES ('t', 'default', 'pending', '{}', 3, '{}', ?, 0, 0)`,
    );
    for (const key of ["k1", null, null, null]) insert.run(key);
    db.prepare("DELETE FROM errand_jobs WHERE id >= 3").run(); // the newest two are gone
    const indexesBefore = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'errand_jobs' AND sql IS NOT NULL").all();

    migrate(db);
    const indexesAfter = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'errand_jobs' AND sql IS NOT NULL").all();
    expect(indexesAfter).toEqual(expect.arrayContaining(indexesBefore));
    expect(indexesAfter).toContainEqual({ name: "errand_jobs_idempotency_key" });
    db.close();

    const store = SqliteStore.open(path);
    try {
      expect((await store.listJobs({ limit: 10 })).jobs.map((j) => [j.id, j.idempotencyKey])).toEqual([["2", null], ["1", "k1"]]);
      const [fresh, again] = await store.insertJobs({ jobs: [newJob(), newJob({ idempotencyKey: "k1" })] });
      expect(fresh!.job.id).toBe("5");
      expect(again).toMatchObject({ created: false, job: { id: "1" } });
    } finally {
      await store.close();
    }
  });

  it("a process that may not migrate refuses an older file without touching it, journal mode included", async () => {
    const path = join(dir, "older.db");
    const db = sqliteDatabaseAt(path, loadMigrations().length - 1);
    expect(db.pragma("journal_mode", { simple: true })).toBe("delete");
    db.close();
    const before = readFileSync(path);
    await expect(Errand.connect(`sqlite:${path}`, { migrate: false })).rejects.toBeInstanceOf(SchemaBehindError);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
