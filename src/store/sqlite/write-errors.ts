import { StoreUnavailableError } from "../../core/errors.js";

/** SQLITE_BUSY or one of its extended codes: another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * SQLITE_BUSY, as a write meets it when another process held the file's write lock longer than
 * the busy timeout, turned into StoreUnavailableError: the store's writes are BEGIN IMMEDIATE
 * transactions, which take the lock first and roll back on any error, so nothing was written.
 * Callers that try again later (a worker storing an outcome) then treat it as the store being
 * away for a while, as they do a lost PostgreSQL connection. Other errors pass through.
 */
export function busyAsUnavailable(error: unknown, file: string): unknown {
  if (!isBusy(error)) return error;
  return new StoreUnavailableError(
    `SQLite database ${file} is busy: another connection held its write lock past the busy timeout; nothing was written, so trying again is safe`,
    { cause: error, outcome: "not_written" },
  );
}
