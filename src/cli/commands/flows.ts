import { Command } from "commander";
import { RecordNotFoundError } from "../../core/errors.js";
import type { Flow } from "../../core/flow.js";
import type { Errand } from "../../errand.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { printBatch, printFlow } from "../flow-output.js";
import { withErrand } from "../run-command.js";

export function flowsCommand(): Command {
  const flows = new Command("flows").description("inspect and cancel flows (jobs that wait for other jobs)");
  const byId = (name: string, description: string, act: (errand: Errand, id: string) => Promise<Flow>) =>
    flows
      .command(name)
      .description(description)
      .argument("<id>", "flow id")
      .option("--json", "print JSON")
      .addOption(databaseOption())
      .addOption(noMigrateOption())
      .action(async (id: string, opts) => {
        await withErrand(opts, async (errand) => printFlow(await act(errand, id), Boolean(opts.json)));
      });
  byId("show", "show a flow: its state and every node's job", async (errand, id) => {
    const flow = await errand.getFlow(id);
    if (flow === null) throw new RecordNotFoundError("flow", id);
    return flow;
  });
  byId("cancel", "cancel every node of a flow that has not ended (running handlers are aborted)", (errand, id) => errand.cancelFlow(id));
  return flows;
}

export function batchesCommand(): Command {
  const batches = new Command("batches").description("inspect batches (jobs with one onComplete job)");
  batches
    .command("show")
    .description("show a batch: how many members ended, how, and its onComplete job")
    .argument("<id>", "batch id")
    .option("--json", "print JSON")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (id: string, opts) => {
      await withErrand(opts, async (errand) => {
        const batch = await errand.getBatch(id);
        if (batch === null) throw new RecordNotFoundError("batch", id);
        printBatch(batch, Boolean(opts.json));
      });
    });
  return batches;
}
