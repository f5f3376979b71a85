import { validateName } from "../core/enqueue-options.js";
import { CliUsageError, commaList, intOption } from "./run-command.js";

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

/** The worker flags `work` and `serve` share, parsed before anything connects: bad input exits 2 with nothing started. */
export function workerFlags(opts: { concurrency: string; graceMs: string }): { concurrency: number; shutdownGraceMs: number } {
  return {
    concurrency: intOption(opts.concurrency, "--concurrency", { min: 1 }),
    shutdownGraceMs: intOption(opts.graceMs, "--grace-ms", { min: 0 }),
  };
}
