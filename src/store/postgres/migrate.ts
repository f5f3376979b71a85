import type pg from "pg";
import { ValidationError } from "../../core/errors.js";
import { readMigrationFiles, refuseNewerSchema, requireCurrentSchema, type Migration, type MigrationReport } from "../migration-files.js";
import { withSchema, type SchemaName } from "./schema-name.js";
import type { Statements } from "./statements.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

/** Each migration with the schema marker replaced. */
export function loadMigrations(schema: SchemaName): Migration[] {
  return readMigrationFiles(MIGRATIONS_DIR).map((m) => ({ ...m, sql: withSchema(m.sql, schema) }));
}

/**
 * Brings `schema` up to date in one transaction under an advisory lock keyed by the schema:
 * concurrent migrators queue on the lock, and whoever comes second sees the work done. A
 * schema recorded at a version newer than this code knows is refused before anything runs.
 */
export async function migrate(client: pg.ClientBase, schema: SchemaName, sql: Statements): Promise<MigrationReport> {
  const migrations = loadMigrations(schema);
  await client.query("BEGIN");
  try {
    await client.query(sql.migration_lock.text, [`errand:migrate:${schema.name}`]);
    await client.query(sql.migration_bookkeeping.text);
    const from = await recordedVersion(client, sql, schema);
    refuseNewerSchema(from, migrations);
    const applied: string[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      await client.query(m.sql).catch((error: unknown) => {
        throw from === 0 && isCode(error, ALREADY_THERE) ? notErrandsSchema(schema, error) : error;
      });
      await client.query(sql.migration_record.text, [m.version, m.name]);
      applied.push(m.name);
    }
    await client.query("COMMIT");
    return { from, to: Math.max(from, migrations.at(-1)?.version ?? 0), applied };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** Refuses, changing nothing (not even creating the schema), one not at this code's version. */
export async function checkSchema(client: pg.ClientBase, schema: SchemaName, sql: Statements): Promise<void> {
  const { rows } = await client.query<{ present: boolean }>(sql.migration_table_present.text);
  const found = rows[0]!.present ? await recordedVersion(client, sql, schema) : 0;
  requireCurrentSchema(found, loadMigrations(schema));
}

async function recordedVersion(client: pg.ClientBase, sql: Statements, schema: SchemaName): Promise<number> {
  try {
    const { rows } = await client.query<{ version: number }>(sql.migration_version.text);
    return rows[0]?.version ?? 0;
  } catch (error) {
    // A `migrations` table without Errand's columns: someone else's (a shared `public`, say).
    throw isCode(error, ["42703", "42804"]) ? notErrandsSchema(schema, error) : error;
  }
}

/** duplicate_table, duplicate_object, duplicate_function: a name the first migration would create is taken. */
const ALREADY_THERE = ["42P07", "42710", "42723"];

const isCode = (error: unknown, codes: string[]) => codes.includes((error as { code?: unknown }).code as string);

/** Errand's tables would share a schema with another application's: refuse before touching them. */
function notErrandsSchema(schema: SchemaName, cause: unknown): ValidationError {
  return new ValidationError(
    "schema",
    `schema "${schema.name}" holds tables that are not Errand's (${(cause as Error).message}); ` +
      "give Errand a schema of its own, e.g. ?schema=errand in the connection string",
  );
}
