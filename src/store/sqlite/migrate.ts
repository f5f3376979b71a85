import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { readMigrationFiles, refuseNewerSchema, requireCurrentSchema, type Migration, type MigrationReport } from "../migration-files.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

export function loadMigrations(): Migration[] {
  return readMigrationFiles(MIGRATIONS_DIR);
}

/**
 * Applies every pending migration in one BEGIN IMMEDIATE transaction, which takes SQLite's
 * write lock before reading the version: two processes migrating one file at once run each
 * migration exactly once, and each reports the version it found under the lock.
 */
export function migrate(db: Database.Database): MigrationReport {
  const migrations = loadMigrations();
  db.exec(`CREATE TABLE IF NOT EXISTS errand_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const run = db.transaction((): MigrationReport => {
    const from = schemaVersion(db);
    refuseNewerSchema(from, migrations);
    const applied: string[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      db.exec(m.sql);
      db.prepare("INSERT INTO errand_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
      applied.push(m.name);
    }
    return { from, to: schemaVersion(db), applied };
  });
  return run.immediate();
}

/** Refuses, changing nothing, a database whose schema is not at this code's version. */
export function checkSchema(db: Database.Database): void {
  requireCurrentSchema(schemaVersion(db), loadMigrations());
}

/**
 * checkSchema on the file at `path`, opened read-only: a file that is not at this version (an
 * older Errand's, or not Errand's at all) is left exactly as it was, journal mode included,
 * and a missing file is not created.
 */
export function checkSchemaOfFile(path: string): void {
  if (path === ":memory:" || !existsSync(path)) return requireCurrentSchema(0, loadMigrations());
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    checkSchema(db);
  } finally {
    db.close();
  }
}

function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'errand_migrations'").get();
  if (table === undefined) return 0;
  return (db.prepare("SELECT max(version) AS v FROM errand_migrations").get() as { v: number | null }).v ?? 0;
}
