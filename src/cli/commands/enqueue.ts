import { Command } from "commander";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { printJobDetail } from "../output.js";
import { DEFAULT_JOB_DEFAULTS, resolveNewJob } from "../../core/enqueue-options.js";
import { DEFAULT_PAYLOAD_LIMITS } from "../../core/payload.js";
import { addRetryFlags, retryOptions, RETRY_FLAGS } from "../retry-flags.js";
import { intOption, jsonOption, withParsedFlags } from "../run-command.js";

/** The library's enqueue options → the flags that set them, for its errors. */
const ENQUEUE_FLAGS = { queue: "--queue", delayMs: "--delay", priority: "--priority", maxAttempts: "--max-attempts", idempotencyKey: "--idempotency-key", ...RETRY_FLAGS };

export function enqueueCommand(): Command {
  const command = new Command("enqueue")
    .description("enqueue one job; prints it once it is committed")
    .argument("<type>", "job type")
    .option("-p, --payload <json>", "payload as JSON", "{}")
    .option("-q, --queue <name>", "queue")
    .option("--delay <ms>", "run no earlier than this many ms from now")
    .option("--priority <n>", "higher runs first")
    .option("--max-attempts <n>", "attempts before the job is dead-lettered")
    .option("--idempotency-key <key>", "enqueueing the same key again returns the existing job");
  return addRetryFlags(command)
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (type: string, opts) => {
      await withParsedFlags(
        () => {
          const payload = jsonOption(opts.payload, "--payload");
          const options = {
            queue: opts.queue,
            delayMs: intOption(opts.delay, "--delay"),
            priority: intOption(opts.priority, "--priority"),
            maxAttempts: intOption(opts.maxAttempts, "--max-attempts"),
            ...retryOptions(opts),
            idempotencyKey: opts.idempotencyKey,
          };
          // The library's own checks (the CLI's Errand has the default defaults and limits), before the store is opened.
          resolveNewJob(type, payload, options, DEFAULT_JOB_DEFAULTS, DEFAULT_PAYLOAD_LIMITS);
          return { payload, options };
        },
        opts,
        async (errand, { payload, options }) => {
          const [outcome] = await errand.enqueueManyWithOutcome([{ type, payload, options }]);
          const { job, created } = outcome!;
          // On stderr, so --json's stdout stays the job as the HTTP API shows it (which says so with 200 instead of 202).
          if (!created) process.stderr.write(`errand: idempotency key ${JSON.stringify(job.idempotencyKey)} is held by job ${job.id}: nothing new enqueued\n`);
          printJobDetail(job, Boolean(opts.json));
        },
        { create: true, flags: ENQUEUE_FLAGS },
      );
    });
}
