import type { Command } from "commander";
import type { EnqueueOptions } from "../core/enqueue-options.js";
import { intOption, numberOption } from "./run-command.js";

/** The retry options → the flags that set them, for the library's errors (its messages name baseMs). */
export const RETRY_FLAGS = {
  timeoutMs: "--timeout-ms",
  "backoff.baseMs": "--backoff-base-ms",
  "backoff.maxMs": "--backoff-max-ms",
  "backoff.jitter": "--backoff-jitter",
  baseMs: "--backoff-base-ms",
};

/** How long an attempt may run and how long to wait after one fails: flags of `enqueue` and `schedules set`. */
export function addRetryFlags(command: Command): Command {
  return command
    .option("--timeout-ms <ms>", "abort the handler after this long (default: no limit; the CLI does not load the type's options)")
    .option("--backoff-base-ms <ms>", "wait after the first failed attempt, doubled after each further one (default 1000)")
    .option("--backoff-max-ms <ms>", "longest wait between attempts (default 3600000)")
    .option("--backoff-jitter <share>", "share of each wait taken off at random, 0 to 1 (default 0.5)");
}

/** The flags' values, still unchecked by the library (resolveNewJob and resolveSchedule check them). */
export function retryOptions(opts: {
  timeoutMs?: string;
  backoffBaseMs?: string;
  backoffMaxMs?: string;
  backoffJitter?: string;
}): Pick<EnqueueOptions, "timeoutMs" | "backoff"> {
  const backoff = {
    baseMs: intOption(opts.backoffBaseMs, "--backoff-base-ms"),
    maxMs: intOption(opts.backoffMaxMs, "--backoff-max-ms"),
    jitter: numberOption(opts.backoffJitter, "--backoff-jitter"),
  };
  // A field left undefined is the type's, as in the library.
  const anyBackoff = Object.values(backoff).some((value) => value !== undefined);
  return { timeoutMs: intOption(opts.timeoutMs, "--timeout-ms"), backoff: anyBackoff ? backoff : undefined };
}
