import { existsSync } from "node:fs";
import { ValidationError } from "../core/errors.js";
import { knownOptions } from "../core/option-keys.js";
import type { MigrationReport } from "./migration-files.js";
import { describeServer, parsePostgresUrl } from "./postgres/connection-url.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import { fileHasSchema } from "./sqlite/migrate.js";
import type { BackgroundErrorHandler, Store } from "./store.js";
import { printableDatabase } from "./printable-database.js";

export interface OpenStoreOptions {
  /** PostgreSQL schema for Errand's tables; overrides the URL's `?schema=`. Default "errand". */
  schema?: string;
  /**
   * Bring the schema up to date on open (default). With false, only refuse one not at this
   * code's version (SchemaBehindError, SchemaTooNewError): migrations then run in a deploy
   * step (`errand migrate`, Errand.migrate), not in every process that starts.
   */
  migrate?: boolean;
  /** Errors no caller waits for, which the store recovers from by itself (PostgreSQL only). Default: ignored. */
  onBackgroundError?: BackgroundErrorHandler;
}

const OPEN_STORE_OPTION_KEYS: ReadonlySet<string> = new Set(["schema", "migrate", "onBackgroundError"]);

/** Where a connection string points, told apart once, at the edge. */
type Target = { backend: "sqlite"; path: string } | { backend: "postgres"; connectionString: string; schema: string; maxConnections?: number };

function targetOf(url: string, schema: string | undefined): Target {
  if (typeof url !== "string") throw new ValidationError("database", "must be a connection string (sqlite:./errand.db, postgres://…)");
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new ValidationError("database", "sqlite: needs a file path, e.g. sqlite:./errand.db");
    // `sqlite:./jobs.db?mode=ro` would quietly create a file named `jobs.db?mode=ro`. (A "#" or
    // a "?" with no "=" after it may be part of a file's name, as they were taken before.)
    if (/\?[^/]*=/.test(path)) throw new ValidationError("database", `"${url}": a sqlite: path takes no ?name=value parameters; name the file alone, e.g. sqlite:./errand.db`);
    // sqlite://errand.db reads as a host, and taken as a path it would be /errand.db, at the root.
    if (path.startsWith("//")) {
      const relative = path.slice(2);
      const meant = relative.startsWith(".") ? `sqlite:${relative}` : `sqlite:./${relative}`;
      throw new ValidationError("database", `"${url}": write ${meant} for a file relative to the current directory, or sqlite:///absolute/path.db`);
    }
    return { backend: "sqlite", path };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return { backend: "postgres", ...parsePostgresUrl(url, schema) };
  }
  throw new ValidationError("database", `unsupported connection string "${printableDatabase(url)}"; use sqlite:./errand.db or postgres://…`);
}


/**
 * Opens the store a connection string names: `sqlite:./errand.db`, `sqlite:/abs/path.db`,
 * `sqlite::memory:`, `postgres://user@host:5432/db?schema=errand` (or `postgresql://`).
 * Migrations run on open unless `options.migrate` is false.
 */
export async function openStore(url: string, given?: OpenStoreOptions): Promise<Store> {
  const options = knownOptions(given, OPEN_STORE_OPTION_KEYS);
  const target = targetOf(url, options.schema);
  if (target.backend === "sqlite") return SqliteStore.open(target.path, { migrate: options.migrate });
  return PostgresStore.open({ ...target, migrate: options.migrate, onBackgroundError: options.onBackgroundError });
}

/**
 * Why the store a connection string names is not there yet, or null if it is: the SQLite file
 * is missing or holds no Errand tables, or the PostgreSQL schema holds none. For commands that
 * act on what is there, so that a mistyped path or `?schema=` is refused instead of created
 * empty, and a path to some other database is not given Errand's tables.
 */
export async function missingStore(url: string): Promise<string | null> {
  const target = targetOf(url, undefined);
  if (target.backend === "sqlite") return missingSqliteStore(target.path);
  if (await PostgresStore.schemaExists(target)) return null;
  return `no Errand schema "${target.schema}" in ${describeServer(target.connectionString)}`;
}

function missingSqliteStore(path: string): string | null {
  if (path === ":memory:") return null;
  if (!existsSync(path)) return `no database at ${path}`;
  try {
    return fileHasSchema(path) ? null : `no Errand tables in ${path}`;
  } catch {
    return null; // not a database, say: opening it says so, as it would for any command
  }
}

/** Applies pending migrations to the database a connection string names, then lets it go. */
export async function migrateDatabase(url: string, options: Pick<OpenStoreOptions, "schema"> = {}): Promise<MigrationReport> {
  const target = targetOf(url, options.schema);
  if (target.backend === "sqlite") return SqliteStore.migrateFile(target.path);
  return PostgresStore.migrateSchema(target);
}
