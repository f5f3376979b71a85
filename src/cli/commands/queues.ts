import { Command } from "commander";
import { JOB_STATES } from "../../core/states.js";
import { databaseOption } from "../connect-option.js";
import { withErrand } from "../run-command.js";

export function queuesCommand(): Command {
  return new Command("queues")
    .description("job counts per queue and state")
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .action(async (opts) => {
      await withErrand(opts.database, async (errand) => {
        const queues = await errand.store.countJobs({});
        if (opts.json) {
          process.stdout.write(JSON.stringify(queues, null, 2) + "\n");
          return;
        }
        if (queues.length === 0) process.stdout.write("no queues yet\n");
        for (const { queue, counts } of queues) {
          const parts = JOB_STATES.filter((s) => counts[s] > 0).map((s) => `${s} ${counts[s]}`);
          process.stdout.write(`${queue}: ${parts.join(", ")}\n`);
        }
      });
    });
}
