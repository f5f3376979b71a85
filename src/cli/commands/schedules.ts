import { Command, Option } from "commander";
import { ScheduleNotFoundError } from "../../core/errors.js";
import { CRON_FORM } from "../../core/cron.js";
import { DEFAULT_JOB_DEFAULTS } from "../../core/enqueue-options.js";
import { DEFAULT_PAYLOAD_LIMITS } from "../../core/payload.js";
import { MISFIRE_POLICIES, resolveSchedule, type MisfirePolicyName, type Schedule, type ScheduleOptions } from "../../core/schedule.js";
import type { Errand } from "../../errand.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { addRetryFlags, retryOptions, RETRY_FLAGS } from "../retry-flags.js";
import { intOption, jsonOption, withErrand, withParsedFlags } from "../run-command.js";
import { printSchedule, printSchedules } from "../schedule-output.js";

/** The library's schedule options → the flags that set them, for its errors. */
const SCHEDULE_FLAGS = {
  timezone: "--timezone",
  queue: "--queue",
  priority: "--priority",
  maxAttempts: "--max-attempts",
  "misfire.backfillLimit": "--backfill-limit",
  "misfire.graceMs": "--misfire-grace-ms",
  ...RETRY_FLAGS,
};

export function schedulesCommand(): Command {
  const schedules = new Command("schedules").description("cron schedules: each tick enqueues one job, fired by every `errand work` process");
  schedules
    .command("list")
    .description("list every schedule")
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (opts) => {
      await withErrand(opts, async (errand) => printSchedules(await errand.listSchedules(), Boolean(opts.json)));
    });

  const set = schedules
    .command("set")
    .description("create or redefine a schedule (an unchanged cron and time zone keep its next tick)")
    .argument("<name>", "schedule name")
    .argument("<cron>", `${CRON_FORM}; quote it`)
    .argument("<type>", "job type each tick enqueues")
    .option("-p, --payload <json>", "payload of every tick's job, as JSON", "{}")
    .option("--timezone <zone>", "IANA time zone the expression is read in", "UTC")
    .option("-q, --queue <name>", "queue")
    .option("--priority <n>", "higher runs first")
    .option("--max-attempts <n>", "attempts before a job is dead-lettered");
  addRetryFlags(set)
    .addOption(new Option("--misfire <policy>", "ticks missed during downtime: one catch-up run for the latest (default), skip, or backfill").choices(MISFIRE_POLICIES))
    .option("--backfill-limit <n>", "with --misfire backfill: at most this many of the most recent missed ticks")
    .option("--misfire-grace-ms <ms>", "a tick at most this late is on time, not missed")
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (name: string, cron: string, type: string, opts) => {
      await withParsedFlags(
        () => {
          const payload = jsonOption(opts.payload, "--payload");
          const options: ScheduleOptions = {
            timezone: opts.timezone,
            queue: opts.queue,
            priority: intOption(opts.priority, "--priority"),
            maxAttempts: intOption(opts.maxAttempts, "--max-attempts"),
            ...retryOptions(opts),
            // Unset fields are undefined: the library fills in their defaults.
            misfire: {
              policy: opts.misfire as MisfirePolicyName | undefined,
              backfillLimit: intOption(opts.backfillLimit, "--backfill-limit"),
              graceMs: intOption(opts.misfireGraceMs, "--misfire-grace-ms"),
            },
          };
          // The library's own checks, the cron's among them (the CLI's Errand has the default defaults and limits).
          resolveSchedule({ name, cron, type, payload, options }, DEFAULT_JOB_DEFAULTS, DEFAULT_PAYLOAD_LIMITS);
          return { payload, options };
        },
        opts,
        async (errand, { payload, options }) => printSchedule(await errand.schedule(name, cron, { type, payload, ...options }), Boolean(opts.json)),
        { create: true, flags: SCHEDULE_FLAGS },
      );
    });

  const byName = (command: string, description: string, act: (errand: Errand, name: string) => Promise<Schedule | void>) =>
    schedules
      .command(command)
      .description(description)
      .argument("<name>", "schedule name")
      .option("--json", "print JSON")
      .addOption(databaseOption())
      .addOption(noMigrateOption())
      .action(async (name: string, opts) => {
        await withErrand(opts, async (errand) => {
          const schedule = await act(errand, name);
          if (schedule) printSchedule(schedule, Boolean(opts.json));
          else process.stdout.write(`removed schedule "${name}"\n`);
        });
      });

  byName("show", "show one schedule", async (errand, name) => {
    const schedule = await errand.getSchedule(name);
    if (schedule === null) throw new ScheduleNotFoundError(name);
    return schedule;
  });
  byName("pause", "pause a schedule: it enqueues nothing until resumed", (errand, name) => errand.pauseSchedule(name));
  byName("resume", "resume from the next tick after now (ticks that passed while paused are not run)", (errand, name) => errand.resumeSchedule(name));
  byName("remove", "remove a schedule; jobs it already enqueued stay", (errand, name) => errand.removeSchedule(name));
  return schedules;
}
