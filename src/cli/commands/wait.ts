import { Command } from "commander";
import { JobNotFoundError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { isTerminal } from "../../core/states.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { jobToJson } from "../../server/wire-format.js";
import { jobLine, printJson } from "../output.js";
import { EXIT_FAILURE, intOption, withParsedFlags } from "../run-command.js";

export function waitCommand(): Command {
  return new Command("wait")
    .description("follow a job until it ends, with a live progress bar; exit 0 if it completed, 1 if it failed or was canceled")
    .argument("<id>", "job id")
    .option("--interval-ms <ms>", "how often to look at the job (at least 10)", "200")
    .option("--json", "print the ended job as JSON (no progress bar)")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (id: string, opts) => {
      // At least 10 ms: 0 would poll the store in a tight loop.
      await withParsedFlags(() => intOption(opts.intervalMs, "--interval-ms", { min: 10 }), opts, async (errand, intervalMs) => {
        const show = opts.json ? () => {} : progressDisplay();
        let job = await errand.getJob(id);
        // A job that had ended already gets its summary alone: a bar would draw progress it never followed.
        const followed = job !== null && !isTerminal(job.state);
        // Reading through the store (not events) follows jobs worked by any process.
        while (job !== null && !isTerminal(job.state)) {
          show(job);
          await new Promise((r) => setTimeout(r, intervalMs));
          job = await errand.getJob(id);
        }
        if (job === null) throw new JobNotFoundError(id);
        if (followed) show(job);
        if (opts.json) printJson(jobToJson(job));
        else process.stderr.write((followed ? "\n" : "") + jobLine(job) + "\n" + (job.errors.at(-1) && job.state === "failed" ? `  last error: ${job.errors.at(-1)!.message}\n` : ""));
        return job.state === "completed" ? 0 : EXIT_FAILURE;
      });
    });
}

/** Redraws one line on a terminal; elsewhere (logs, CI) prints a line only when something changed. */
function progressDisplay(): (job: Job) => void {
  const tty = process.stderr.isTTY;
  let last = "";
  return (job) => {
    const percent = job.progress ?? (job.state === "completed" ? 100 : 0);
    const filled = Math.round(percent / 5);
    const line = `#${job.id} ${job.type} [${"#".repeat(filled)}${"-".repeat(20 - filled)}] ${Math.round(percent)}% ${job.state} (attempt ${job.attempt}/${job.maxAttempts})`;
    if (line === last) return;
    last = line;
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
}
