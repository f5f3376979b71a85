import type Database from "better-sqlite3";
import { readMigrationFiles, refuseNewerSchema, requireCurrentSchema, type Migration, type MigrationReport } from "../migration-files.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

export function loadMigrations(): Migration[] {
  return readMigrationFiles(MIGRATIONS_DIR);
}

/**
 * BEGIN IMMEDIATE takes SQLite's write lock before reading the version, so two processes
 * migrating one file at once run each migration exactly once.
 */
export function migrate(db: Database.Database): MigrationReport {
  const migrations = loadMigrations();
  db.exec(`CREATE TABLE IF NOT EXISTS errand_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied: string[] = [];
  const apply = db.transaction((m: Migration) => {
    if (schemaVersion(db) >= m.version) return;
    db.exec(m.sql);
    db.prepare("INSERT INTO errand_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
      m.version,
      m.name,
      Date.now(),
    );
    applied.push(m.name);
  });
  const from = schemaVersion(db);
  refuseNewerSchema(from, migrations);
  for (const m of migrations) if (m.version > from) apply.immediate(m);
  return { from, to: schemaVersion(db), applied };
}

/** Refuses, changing nothing, a database whose schema is not at this code's version (null: no file yet). */
export function checkSchema(db: Database.Database | null): void {
  requireCurrentSchema(db === null ? 0 : schemaVersion(db), loadMigrations());
}

function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'errand_migrations'").get();
  if (table === undefined) return 0;
  return (db.prepare("SELECT max(version) AS v FROM errand_migrations").get() as { v: number | null }).v ?? 0;
}
