import { Option } from "commander";

/** --database, shared by every command that opens the store. */
export const databaseOption = () =>
  new Option("-d, --database <url>", "store connection string (sqlite:./errand.db or postgres://…)")
    .env("ERRAND_DATABASE_URL")
    .default("sqlite:./errand.db");
