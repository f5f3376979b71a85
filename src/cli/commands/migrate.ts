import { Command } from "commander";
import { Errand } from "../../errand.js";
import { printableDatabase } from "../../store/printable-database.js";
import { databaseOption } from "../connect-option.js";
import { reportError } from "../run-command.js";

export function migrateCommand(): Command {
  return new Command("migrate")
    .description("bring the store's schema up to date (also done on connect, unless a process connects with migrate: false)")
    .addOption(databaseOption())
    .option("--json", "print the report as JSON")
    .action(async (opts) => {
      try {
        const report = await Errand.migrate(opts.database);
        // Which store: run without --database, it is ./errand.db, maybe not the one meant.
        const store = printableDatabase(opts.database);
        if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else if (report.applied.length === 0) process.stdout.write(`schema is up to date (version ${report.to}); nothing to apply (${store})\n`);
        else process.stdout.write(`applied ${report.applied.join(", ")}; schema was at version ${report.from}, now ${report.to} (${store})\n`);
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
}
