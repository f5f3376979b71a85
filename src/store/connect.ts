import { ValidationError } from "../core/errors.js";
import { parsePostgresUrl } from "./postgres/connection-url.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

export interface OpenStoreOptions {
  /** PostgreSQL schema for Errand's tables; overrides the URL's `?schema=`. Default "errand". */
  schema?: string;
}

/**
 * Chooses the backend from a connection string, once, at the edge:
 * `sqlite:./errand.db`, `sqlite:/abs/path.db`, `sqlite::memory:`,
 * `postgres://user@host:5432/db?schema=errand` (or `postgresql://`). Migrations run on open.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new ValidationError("database", "sqlite: needs a file path, e.g. sqlite:./errand.db");
    return SqliteStore.open(path);
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return PostgresStore.open(parsePostgresUrl(url, options.schema));
  }
  throw new ValidationError("database", `unsupported connection string "${url}"; use sqlite:./errand.db or postgres://…`);
}
