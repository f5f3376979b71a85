import { Command } from "commander";
import { validateName } from "../../core/enqueue-options.js";
import { JOB_STATES } from "../../core/states.js";
import { queueToJson } from "../../server/wire-format.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { printJson } from "../output.js";
import { withErrand, withParsedFlags } from "../run-command.js";

export function queuesCommand(): Command {
  const queues = new Command("queues")
    .description("job counts per queue and state, and whether it is paused; `queues pause|resume <name>`")
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (opts) => {
      await withErrand(opts, async (errand) => {
        const all = await errand.listQueues();
        if (opts.json) {
          printJson({ queues: all.map(queueToJson) });
          return;
        }
        if (all.length === 0) process.stdout.write("no queues yet\n");
        for (const { queue, counts, paused } of all) {
          const parts = JOB_STATES.filter((s) => counts[s] > 0).map((s) => `${s} ${counts[s]}`);
          process.stdout.write(`${queue}${paused ? " (paused)" : ""}: ${parts.join(", ") || "no jobs"}\n`);
        }
      });
    });

  for (const action of ["pause", "resume"] as const) {
    queues
      .command(action)
      .description(action === "pause" ? "pause a queue: no worker claims its jobs until resumed" : "resume a paused queue")
      .argument("<name>", "queue name")
      // --json, --database and --no-migrate are the parent's (`queues`), wherever they are written.
      .action(async (queue: string) => {
        const opts = queues.opts<{ database: string; migrate: boolean; json?: boolean }>();
        // The rule enqueue holds queue names to, checked before the database is looked for.
        await withParsedFlags(() => validateName(queue, `queue "${queue}"`), opts, async (errand) => {
          await (action === "pause" ? errand.pauseQueue(queue) : errand.resumeQueue(queue));
          const state = { name: queue, paused: action === "pause" };
          process.stdout.write(opts.json ? JSON.stringify(state) + "\n" : `queue "${queue}" ${action === "pause" ? "paused" : "resumed"}\n`);
        });
      });
  }
  return queues;
}
