import { StoreUnavailableError } from "../../core/errors.js";

// Socket-level failures, and SQLSTATEs that mean the server went away or will not take us:
// class 08 (connection exception), 57P01–57P03 (shutdown, crash, not accepting connections), 53300 (too many connections),
// and, raised only as a connection is made, 3D000 (no such database) and class 28 (authentication failed).
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "EAI_AGAIN"]);
const SERVER_CODES = new Set(["57P01", "57P02", "57P03", "53300", "3D000"]);
// pg raises these as plain Errors without a code.
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed|not queryable/i;

// What fails only while a connection is being made, before any statement is sent: nothing refused so was written.
const REFUSED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "57P03", "53300", "08001", "08004", "3D000", "28000", "28P01"]);
const REFUSED_MESSAGES = /timeout exceeded when trying to connect/i;

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08") || code.startsWith("28"))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return DRIVER_MESSAGES.test(error.message);
}

/**
 * Turns a lost or refused connection into StoreUnavailableError, so callers see one clear error
 * type instead of driver internals; other errors pass through. It says nothing of what a write
 * did: a write that can tell says so with lostInsertError.
 */
export function asStoreError(error: unknown, where: string): unknown {
  // Already the store's (a statement's error, met again by its transaction): as it is, not wrapped twice.
  if (error instanceof StoreUnavailableError || !isConnectionError(error)) return error;
  const detail = error instanceof Error && error.message ? error.message : String(error);
  return new StoreUnavailableError(`PostgreSQL at ${where} is unavailable (${detail})`, { cause: error });
}

/** Whether a connection error certainly came before any statement was sent: the server was not reached or refused us. */
function refusedBeforeSending(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof AggregateError) return error.errors.length > 0 && error.errors.every(refusedBeforeSending);
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && REFUSED_CODES.has(code)) || REFUSED_MESSAGES.test(error.message);
}

/**
 * `error` as an insert outside a caller's transaction reports it. Its statements commit one by
 * one, so a connection lost once the insert statement may have reached the server leaves the
 * outcome unknown: the server may have committed the jobs before the reply was lost, and the
 * caller must hear that they may exist, not that nothing happened. Only a connection refused
 * before the insert statement was sent is known to have written nothing. `inserted`: whether
 * the insert statement itself had returned (its jobs committed) when `error` came.
 */
export function lostInsertError(error: unknown, inserted: boolean): unknown {
  // One whose write's outcome is already told (a transaction's) is left as it says.
  if (!(error instanceof StoreUnavailableError) || error.outcome !== undefined) return error;
  if (!inserted && refusedBeforeSending(error.cause))
    return new StoreUnavailableError(`${error.message}; nothing was written, so trying again is safe`, { cause: error.cause, outcome: "not_written" });
  return new StoreUnavailableError(
    `${error.message}; the connection was lost while the jobs were being written, so they may have been: ` +
      "trying again is safe with an idempotency key (it finds the job if it exists), but without one it may enqueue them twice",
    { cause: error.cause, outcome: "unknown" },
  );
}
