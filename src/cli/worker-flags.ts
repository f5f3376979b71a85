import { validateName } from "../core/enqueue-options.js";
import { ValidationError } from "../core/errors.js";
import { resolveWorkerOptions } from "../worker/worker-options.js";
import { CliUsageError, commaList, inFlagTerms, intOption } from "./run-command.js";

/**
 * --queues of `work` and `serve`: comma-separated names, each held to the library's rule for
 * queue names, so a worker never waits on a queue that no job can be enqueued to.
 */
export function queuesOption(value: string): string[] {
  const queues = commaList(value);
  if (queues.length === 0) throw new CliUsageError(`--queues must name at least one queue, got "${value}"`);
  for (const queue of queues) validateName(queue, `--queues "${queue}"`);
  return queues;
}

const WORKER_FLAGS = { concurrency: "--concurrency", leaseMs: "--lease-ms", shutdownGraceMs: "--grace-ms" };

/**
 * The worker flags `work` and `serve` share, parsed before anything connects and held to the
 * worker's own checks (resolveWorkerOptions): bad input exits 2 with nothing started.
 */
export function workerFlags(opts: { concurrency: string; graceMs: string; leaseMs?: string }): {
  concurrency: number;
  shutdownGraceMs: number;
  leaseMs?: number;
} {
  const flags = {
    concurrency: intOption(opts.concurrency, "--concurrency"),
    shutdownGraceMs: intOption(opts.graceMs, "--grace-ms"),
    leaseMs: intOption(opts.leaseMs, "--lease-ms"),
  };
  try {
    resolveWorkerOptions(flags);
  } catch (error) {
    // The heartbeat is not a flag: it follows from the lease.
    if (error instanceof ValidationError && error.field === "heartbeatMs")
      throw new CliUsageError(`--lease-ms ${opts.leaseMs} is too short for the heartbeat that renews the lease`);
    throw inFlagTerms(error, WORKER_FLAGS);
  }
  return flags;
}

/**
 * A warning for queues given with --queues that no type with a handler here is defined in: a
 * typo ("mial") left the real queue unworked without a word. Jobs sent there explicitly (a
 * `queue` option) still run if their type has a handler here; others fail for want of one.
 * Null when every queue is one a handled type is defined in.
 */
export function unhandledQueuesWarning(queues: string[], handled: string[]): string | null {
  const unhandled = queues.filter((queue) => !handled.includes(queue));
  if (unhandled.length === 0) return null;
  const named = unhandled.map((queue) => `"${queue}"`).join(", ");
  return (
    `warning: no job type with a handler here is defined in ${named} (they are in ${handled.map((q) => `"${q}"`).join(", ") || "no queue"}); ` +
    `jobs there run here only if their type has a handler here, and fail with "no handler" otherwise`
  );
}
