import { Command } from "commander";
import { databaseOption } from "../connect-option.js";
import { withErrand } from "../run-command.js";

export function migrateCommand(): Command {
  return new Command("migrate")
    .description("bring the store's schema up to date (the library also does this on connect)")
    .addOption(databaseOption())
    .action(async (opts) => {
      await withErrand(opts.database, async () => {
        process.stdout.write("schema is up to date\n");
      });
    });
}
