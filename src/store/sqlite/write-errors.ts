import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import { StoreUnavailableError } from "../../core/errors.js";

/**
 * SQLITE_READONLY (the file, or the folder that holds its -wal and -shm files, is not writable
 * to this process, or its disk went read-only) and SQLITE_FULL (the disk is full), as a write
 * transaction meets them: it rolled back, nothing was written. StoreUnavailableError, as for a
 * store that is away: the caller may try again once it is mended. Other errors pass through.
 */
export function unwritableAsUnavailable(error: unknown, file: string): unknown {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string") return error;
  if (code.startsWith("SQLITE_READONLY")) return unwritable(file, READ_ONLY, error);
  if (code === "SQLITE_FULL") return unwritable(file, "cannot grow: its disk is full", error);
  return error;
}

const READ_ONLY = "is read-only to this process (the file, or the folder holding its -wal and -shm files, is not writable)";

const unwritable = (file: string, why: string, cause: unknown) =>
  new StoreUnavailableError(`SQLite database ${file} ${why}; nothing was written`, { cause, outcome: "not_written" });

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

/**
 * Refuses a file this process may read but not write, before it is used: SQLite opens such a
 * file read-only without a word, and every write (every enqueue, every outcome) would fail. The
 * folder counts too: SQLite keeps the -wal and -shm files beside the database. Asked of the file
 * system, not by a write: a write would wait for another process's lock, and connecting to a
 * current schema takes none.
 */
export function requireWritable(path: string): void {
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw error;
      throw unwritable(path, READ_ONLY, error);
    }
  }
}
