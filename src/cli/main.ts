#!/usr/bin/env node
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { enqueueCommand } from "./commands/enqueue.js";
import { batchesCommand, flowsCommand } from "./commands/flows.js";
import { jobsCommand } from "./commands/jobs.js";
import { migrateCommand } from "./commands/migrate.js";
import { queuesCommand } from "./commands/queues.js";
import { schedulesCommand } from "./commands/schedules.js";
import { serveCommand } from "./commands/serve.js";
import { tokenCommand } from "./commands/token.js";
import { waitCommand } from "./commands/wait.js";
import { workCommand } from "./commands/work.js";
import { databaseOption } from "./connect-option.js";
import { runDemo } from "./demo.js";
import { exitUsageErrorsWith2, reportError } from "./run-command.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command("errand")
  .description("Durable background jobs: enqueue, work, inspect.")
  .version(version)
  .showHelpAfterError();

program
  .command("demo")
  .description("enqueue a few jobs, work them with live progress, and show a retried failure")
  .addOption(databaseOption())
  .action(async (opts) => {
    try {
      await runDemo(opts.database);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  });
program.addCommand(workCommand());
program.addCommand(enqueueCommand());
program.addCommand(jobsCommand());
program.addCommand(queuesCommand());
program.addCommand(schedulesCommand());
program.addCommand(flowsCommand());
program.addCommand(batchesCommand());
program.addCommand(migrateCommand());
program.addCommand(serveCommand(version));
program.addCommand(waitCommand());
program.addCommand(tokenCommand());
exitUsageErrorsWith2(program); // after every command is added, so it reaches them all

// A reader that stops reading (`errand jobs list | head -1`) ends a command's output, as it does
// any Unix tool's: exit quietly, not with an unhandled EPIPE's stack trace. Not for the commands
// that run until stopped: they have jobs to finish, and their output is only their log.
const RUN_UNTIL_STOPPED = new Set(["serve", "work"]);
program.hook("preAction", (_program, command) => {
  if (RUN_UNTIL_STOPPED.has(command.name())) return;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
});

await program.parseAsync();
