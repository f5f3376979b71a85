import { StoreUnavailableError } from "../../core/errors.js";

// Socket-level failures, and SQLSTATEs that mean the server went away or will not take us:
// class 08 (connection exception), 57P01–57P03 (shutdown, crash, not accepting connections), 53300 (too many connections).
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "EAI_AGAIN"]);
const SERVER_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
// pg raises these as plain Errors without a code.
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed|not queryable/i;

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08"))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return DRIVER_MESSAGES.test(error.message);
}

/**
 * Turns a lost or refused connection into StoreUnavailableError, so callers see one clear error
 * type ("nothing was written, try again") instead of driver internals; other errors pass through.
 */
export function asStoreError(error: unknown, where: string): unknown {
  if (!isConnectionError(error)) return error;
  const detail = error instanceof Error && error.message ? error.message : String(error);
  return new StoreUnavailableError(`PostgreSQL at ${where} is unavailable (${detail})`, { cause: error });
}
