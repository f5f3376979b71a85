import { ValidationError } from "../core/errors.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

/**
 * Chooses the backend from a connection string, once, at the edge:
 * `sqlite:./errand.db`, `sqlite:/abs/path.db`, `sqlite::memory:`.
 */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new ValidationError("database", "sqlite: needs a file path, e.g. sqlite:./errand.db");
    return SqliteStore.open(path);
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    throw new ValidationError("database", "the PostgreSQL store is not available in this version yet");
  }
  throw new ValidationError("database", `unsupported connection string "${url}"; use sqlite:./errand.db`);
}
