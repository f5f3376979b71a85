import { readdirSync, readFileSync } from "node:fs";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A store's numbered, immutable migration files (001_init.sql, 002_…), in order. */
export function readMigrationFiles(dir: URL): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ""),
      sql: readFileSync(new URL(file, dir), "utf8"),
    }));
}
