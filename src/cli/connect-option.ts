import { Option } from "commander";

/** --database, shared by every command that opens the store. */
export const databaseOption = () =>
  new Option("-d, --database <url>", "store connection string (sqlite:./errand.db or postgres://…)")
    .env("ERRAND_DATABASE_URL")
    .default("sqlite:./errand.db");

/** --no-migrate, beside --database on every command that opens the store: check the schema, leave migrating to `errand migrate`. */
export const noMigrateOption = () =>
  new Option("--no-migrate", "do not migrate the schema; refuse one that `errand migrate` has not brought up to date");
