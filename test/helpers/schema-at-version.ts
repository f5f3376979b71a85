import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { loadMigrations as loadPostgresMigrations } from "../../src/store/postgres/migrate.js";
import { schemaName } from "../../src/store/postgres/schema-name.js";
import { loadStatements } from "../../src/store/postgres/statements.js";
import { loadMigrations as loadSqliteMigrations } from "../../src/store/sqlite/migrate.js";
import { adminQuery } from "./postgres-factory.js";

/**
 * How a backend's migration tests make a database as an older Errand left it (migrated up to
 * and including `version`), and tell whether connecting left anything behind.
 */
export interface SchemaFixtures {
  migrateTo(url: string, version: number): Promise<void>;
  /** Records a version as applied without running anything, as a newer Errand would have. */
  record(url: string, version: number, name: string): Promise<void>;
  /** The versions recorded as applied, ascending. */
  versions(url: string): Promise<number[]>;
  exists(url: string): Promise<boolean>;
  /** Inserts `count` jobs of `queue` already in `state`, through SQL that every version's jobs table takes. */
  insertJobs(url: string, rows: { queue: string; state: string; count: number }[]): Promise<void>;
}

// The columns every version's jobs table requires; the rest take their defaults.
const JOB_COLUMNS = "type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at, finished_at";
const BACKOFF = '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}';

const sqlitePath = (url: string) => url.slice("sqlite:".length);
export const postgresSchemaOf = (url: string) => new URL(url).searchParams.get("schema")!;

/** An SQLite file migrated up to `version`; the open handle is the caller's to close. */
export function sqliteDatabaseAt(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.exec("CREATE TABLE errand_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  for (const m of loadSqliteMigrations().filter((m) => m.version <= version)) {
    db.exec(m.sql);
    db.prepare("INSERT INTO errand_migrations VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
  }
  return db;
}

function withSqliteFile<T>(url: string, fn: (db: Database.Database) => T): T {
  const db = new Database(sqlitePath(url));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export const sqliteSchemaFixtures: SchemaFixtures = {
  migrateTo: async (url, version) => void sqliteDatabaseAt(sqlitePath(url), version).close(),
  record: async (url, version, name) =>
    void withSqliteFile(url, (db) => db.prepare("INSERT INTO errand_migrations VALUES (?, ?, ?)").run(version, name, Date.now())),
  versions: async (url) =>
    withSqliteFile(url, (db) => (db.prepare("SELECT version FROM errand_migrations ORDER BY version").all() as { version: number }[]).map((r) => r.version)),
  exists: async (url) => existsSync(sqlitePath(url)),
  insertJobs: async (url, rows) =>
    withSqliteFile(url, (db) => {
      const insert = db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
         INSERT INTO errand_jobs (${JOB_COLUMNS}) SELECT 'old', @queue, @state, '{}', 1, 3, '${BACKOFF}', 0, 0, 0 FROM n`,
      );
      for (const row of rows) insert.run(row);
    }),
};

export const postgresSchemaFixtures: SchemaFixtures = {
  migrateTo: async (url, version) => {
    const schema = schemaName(postgresSchemaOf(url));
    await adminQuery(loadStatements(schema).migration_bookkeeping.text);
    for (const m of loadPostgresMigrations(schema).filter((m) => m.version <= version)) {
      await adminQuery(m.sql);
      await postgresSchemaFixtures.record(url, m.version, m.name);
    }
  },
  record: async (url, version, name) => {
    await adminQuery(`INSERT INTO "${postgresSchemaOf(url)}".migrations (version, name) VALUES ($1, $2)`, [version, name]);
  },
  versions: async (url) =>
    (await adminQuery<{ version: number }>(`SELECT version FROM "${postgresSchemaOf(url)}".migrations ORDER BY version`)).map((r) => r.version),
  exists: async (url) =>
    (await adminQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1", [postgresSchemaOf(url)])).length > 0,
  insertJobs: async (url, rows) => {
    for (const { queue, state, count } of rows) {
      await adminQuery(
        `INSERT INTO "${postgresSchemaOf(url)}".jobs (${JOB_COLUMNS})
         SELECT 'old', $1, $2, '{}', 1, 3, '${BACKOFF}', now(), now(), now() FROM generate_series(1, $3)`,
        [queue, state, count],
      );
    }
  },
};
