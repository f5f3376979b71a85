import { StoreUnavailableError } from "../../core/errors.js";

/**
 * SQLITE_BUSY, as a write meets it when another process held the file's write lock longer than
 * the busy timeout, turned into StoreUnavailableError: the store's writes are BEGIN IMMEDIATE
 * transactions, which take the lock first and roll back on any error, so nothing was written.
 * Callers that try again later (a worker storing an outcome) then treat it as the store being
 * away for a while, as they do a lost PostgreSQL connection. Other errors pass through.
 */
export function busyAsUnavailable(error: unknown, file: string): unknown {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string" || !code.startsWith("SQLITE_BUSY")) return error;
  return new StoreUnavailableError(
    `SQLite database ${file} is busy: another connection held its write lock past the busy timeout; nothing was written, so trying again is safe`,
    { cause: error, outcome: "not_written" },
  );
}
