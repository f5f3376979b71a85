import type Database from "better-sqlite3";
import { SchemaTooNewError } from "../../core/errors.js";
import { readMigrationFiles, type Migration } from "../migration-files.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

export function loadMigrations(): Migration[] {
  return readMigrationFiles(MIGRATIONS_DIR);
}

/**
 * BEGIN IMMEDIATE takes SQLite's write lock before reading the version, so two processes
 * migrating one file at once run each migration exactly once.
 */
export function migrate(db: Database.Database): void {
  const migrations = loadMigrations();
  const known = migrations.at(-1)?.version ?? 0;
  db.exec(`CREATE TABLE IF NOT EXISTS errand_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current = () =>
    (db.prepare("SELECT max(version) AS v FROM errand_migrations").get() as { v: number | null }).v ?? 0;
  const apply = db.transaction((m: Migration) => {
    if (current() >= m.version) return;
    db.exec(m.sql);
    db.prepare("INSERT INTO errand_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
      m.version,
      m.name,
      Date.now(),
    );
  });
  const found = current();
  if (found > known) throw new SchemaTooNewError(found, known);
  for (const m of migrations) if (m.version > found) apply.immediate(m);
}
