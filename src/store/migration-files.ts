import { readdirSync, readFileSync } from "node:fs";
import { SchemaBehindError, SchemaTooNewError } from "../core/errors.js";

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

/** What a migration run found and did. */
export interface MigrationReport {
  /** The schema's version before the run; 0 for a database Errand had not used. */
  from: number;
  /** Its version after: the newest this code knows. */
  to: number;
  /** The migrations applied, by file name without `.sql`, in order; empty if none was due. */
  applied: string[];
}

/** Refuses a schema recorded at a version newer than this code's newest migration. */
export function refuseNewerSchema(found: number, migrations: Migration[]): void {
  const known = newestVersion(migrations);
  if (found > known) throw new SchemaTooNewError(found, known);
}

/** Refuses a schema not at exactly this code's version: for a process told not to migrate. */
export function requireCurrentSchema(found: number, migrations: Migration[]): void {
  refuseNewerSchema(found, migrations);
  const known = newestVersion(migrations);
  if (found < known) throw new SchemaBehindError(found, known);
}

function newestVersion(migrations: Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}
