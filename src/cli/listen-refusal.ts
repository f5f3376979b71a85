import { CliUsageError } from "./run-command.js";

/** Why the system would not let a listener bind, in words, by its error code. */
const REASONS: Record<string, string> = {
  EADDRINUSE: "the port is taken (another process listens on it)",
  EACCES: "not allowed (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "no such address on this machine",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (for now)",
};

/**
 * A listener that could not bind, as a usage error naming the flags that chose where (exit 2),
 * instead of the system's `listen EADDRINUSE` or `getaddrinfo ENOTFOUND`. Other errors pass.
 */
export function listenRefusal(error: unknown, flags: string, host: string, port: number): unknown {
  const reason = REASONS[(error as { code?: unknown }).code as string];
  return reason === undefined ? error : new CliUsageError(`${flags}: cannot listen on ${host}:${port}: ${reason}`, { cause: error });
}
