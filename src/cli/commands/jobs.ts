import {
  resolveCancelOptions,
  resolveListOptions,
  resolveRetryOptions,
  type CancelJobsOptions,
  type RetryJobsOptions,
} from "../../client/job-client.js";
import { Command } from "commander";
import { JobNotFoundError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { JOB_STATES, type JobState } from "../../core/states.js";
import type { Errand } from "../../errand.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { jobToJson } from "../../server/wire-format.js";
import { printJobDetail, printJobs, printJson } from "../output.js";
import { intOption, withErrand, withParsedFlags } from "../run-command.js";

/** The library's list options → the flags that set them, for its errors. */
const LIST_FLAGS = { state: "--state", type: "--type", queue: "--queue", limit: "--limit", cursor: "--cursor" };

export function jobsCommand(): Command {
  const jobs = new Command("jobs").description("inspect, cancel and replay jobs");
  jobs
    .command("list")
    .description("list jobs, newest first")
    // From the states' one definition, so the help can never leave one out.
    .option("-s, --state <state>", `${JOB_STATES.join(", ")} (failed: the dead-letter set)`)
    .option("-t, --type <type>", "job type")
    .option("-q, --queue <queue>", "queue")
    .option("-n, --limit <n>", "page size (1–1000)", "50")
    .option("--cursor <cursor>", "the next_cursor printed by the previous page")
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (opts) => {
      const listOptions = () =>
        resolveListOptions({
          state: opts.state as JobState | undefined,
          type: opts.type,
          queue: opts.queue,
          limit: intOption(opts.limit, "--limit"),
          cursor: opts.cursor,
        });
      await withParsedFlags(listOptions, opts, async (errand, options) => {
        const page = await errand.listJobs(options);
        if (opts.json) printJson({ jobs: page.jobs.map(jobToJson), next_cursor: page.nextCursor });
        else {
          printJobs(page.jobs, false);
          if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
        }
      }, { flags: LIST_FLAGS });
    });

  /** A command that applies a bulk change to every job it matches, page after page, and says how many it changed. */
  const everyPage = <Options extends { cursor?: string | null; state?: string }>(
    name: string,
    description: string,
    state: { description: string; default?: string },
    resolve: (options: Options) => unknown,
    change: (errand: Errand, options: Options) => Promise<{ jobs: Job[]; nextCursor: string | null }>,
    verb: string,
  ) =>
    jobs
      .command(name)
      .description(description)
      .option("-s, --state <state>", state.description, state.default)
      .option("-t, --type <type>", "only jobs of this type")
      .option("-q, --queue <queue>", "only jobs in this queue")
      .option("--json", `print JSON: {"${verb}": n}`)
      .addOption(databaseOption())
      .addOption(noMigrateOption())
      .action(async (opts) => {
        const parse = (): Options => {
          // Whatever the flags hold: `resolve` checks them, before the store is opened.
          const options = { state: opts.state, type: opts.type, queue: opts.queue, limit: 1000 } as unknown as Options;
          resolve(options);
          return options;
        };
        await withParsedFlags(parse, opts, async (errand, options) => {
          // Page by page, each job visited once: a replayed job that fails again meanwhile is not replayed twice.
          let changed = 0;
          let cursor: string | undefined;
          do {
            const page = await change(errand, { ...options, cursor });
            changed += page.jobs.length;
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined);
          if (opts.json) printJson({ [verb]: changed });
          else process.stdout.write(`${verb} ${changed} ${options.state} job${changed === 1 ? "" : "s"}\n`);
        }, { flags: LIST_FLAGS });
      });

  everyPage<RetryJobsOptions>(
    "retry-all",
    "replay every failed job (the dead-letter set), or every canceled one, newest first",
    { description: "failed or canceled", default: "failed" },
    resolveRetryOptions,
    (errand, options) => errand.retryJobs(options),
    "retried",
  );
  everyPage<CancelJobsOptions>(
    "cancel-all",
    "cancel every job in a state not ended (running handlers are aborted), newest first; pause the queue first to stop new ones being taken",
    { description: "pending, scheduled, retrying, blocked or running (required)" },
    resolveCancelOptions,
    (errand, options) => errand.cancelJobs(options),
    "canceled",
  );

  const byId = (name: string, description: string, act: (errand: Errand, id: string) => Promise<Job>) =>
    jobs
      .command(name)
      .description(description)
      .argument("<id>", "job id")
      .option("--json", "print JSON")
      .addOption(databaseOption())
      .addOption(noMigrateOption())
      .action(async (id: string, opts) => {
        await withErrand(opts, async (errand) => printJobDetail(await act(errand, id), Boolean(opts.json)));
      });

  byId("show", "show one job with its payload, result and every attempt's error", async (errand, id) => {
    const job = await errand.getJob(id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  });
  byId("cancel", "cancel a job that has not ended (a running handler is aborted)", (errand, id) => errand.cancelJob(id));
  byId("retry", "replay a failed or canceled job, keeping its history", (errand, id) => errand.retryJob(id));
  return jobs;
}
