import type pg from "pg";
import { SchemaTooNewError } from "../../core/errors.js";
import { readMigrationFiles, type Migration } from "../migration-files.js";
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
export async function migrate(client: pg.ClientBase, schema: SchemaName, sql: Statements): Promise<void> {
  const migrations = loadMigrations(schema);
  const known = migrations.at(-1)?.version ?? 0;
  await client.query("BEGIN");
  try {
    await client.query(sql.migration_lock.text, [`errand:migrate:${schema.name}`]);
    await client.query(sql.migration_bookkeeping.text);
    const { rows } = await client.query<{ version: number }>(sql.migration_version.text);
    const found = rows[0]?.version ?? 0;
    if (found > known) throw new SchemaTooNewError(found, known);
    for (const m of migrations) {
      if (m.version <= found) continue;
      await client.query(m.sql);
      await client.query(sql.migration_record.text, [m.version, m.name]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
