import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { busyAsUnavailable } from "./write-errors.js";
import { readMigrationFiles, refuseNewerSchema, requireCurrentSchema, type Migration, type MigrationReport } from "../migration-files.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

export function loadMigrations(): Migration[] {
  return readMigrationFiles(MIGRATIONS_DIR);
}

/**
 * Applies every pending migration in one BEGIN IMMEDIATE transaction, which takes SQLite's
 * write lock before reading the version: two processes migrating one file at once run each
 * migration exactly once, and each reports the version it found under the lock. A schema
 * already current is only read: every process connects this way, and taking the write lock
 * would make each wait (the whole busy timeout, its event loop stopped) behind any other
 * process's long write. Another process's lock held past the busy timeout, when there is
 * something to migrate, is StoreUnavailableError, naming the file.
 */
export function migrate(db: Database.Database): MigrationReport {
  const migrations = loadMigrations();
  const found = schemaVersion(db);
  refuseNewerSchema(found, migrations);
  if (found === (migrations.at(-1)?.version ?? 0)) return { from: found, to: found, applied: [] };
  const run = db.transaction((): MigrationReport => {
    db.exec(`CREATE TABLE IF NOT EXISTS errand_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
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
  try {
    return run.immediate();
  } catch (error) {
    throw busyAsUnavailable(error, db.name);
  }
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

/**
 * Whether the file at `path` holds Errand's tables, at any version, looked at read-only so that
 * a file that is someone else's (an application's own database, an empty file) is left as it was.
 */
export function fileHasSchema(path: string): boolean {
  if (!existsSync(path)) return false;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return schemaVersion(db) > 0;
  } finally {
    db.close();
  }
}

function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'errand_migrations'").get();
  if (table === undefined) return 0;
  return (db.prepare("SELECT max(version) AS v FROM errand_migrations").get() as { v: number | null }).v ?? 0;
}
