import type pg from "pg";
import { StoreUnavailableError, ValidationError } from "../../core/errors.js";
import { readMigrationFiles, refuseNewerSchema, requireCurrentSchema, type Migration, type MigrationReport } from "../migration-files.js";
import { withSchema, type SchemaName } from "./schema-name.js";
import type { Statements } from "./statements.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

/** Each migration with the schema marker replaced. */
export function loadMigrations(schema: SchemaName): Migration[] {
  return readMigrationFiles(MIGRATIONS_DIR).map((m) => ({ ...m, sql: withSchema(m.sql, schema) }));
}

/**
 * How long a migration's statement may wait for a table's lock, and the pauses between tries.
 * A statement such as ALTER TABLE waits behind any open transaction that touched the table (an
 * application's, enqueueing with `tx`, say), and every statement of every running process then
 * queues behind it: without a limit, one long transaction froze the whole fleet until it ended.
 */
export interface MigrationLockWaits {
  lockTimeoutMs: number;
  retryDelaysMs: number[];
}

const LOCK_WAITS: MigrationLockWaits = { lockTimeoutMs: 1_000, retryDelaysMs: [500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000] };

/** lock_not_available: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = "55P03";

/**
 * Brings `schema` up to date in one transaction under an advisory lock keyed by the schema:
 * concurrent migrators queue on the lock, and whoever comes second sees the work done. A
 * schema recorded at a version newer than this code knows is refused before anything runs. A
 * table lock not had within `lockTimeoutMs` rolls it all back to try again after a pause (so the
 * processes queued behind it go on meanwhile); after the last try it fails, changing nothing.
 */
export async function migrate(client: pg.ClientBase, schema: SchemaName, sql: Statements, waits: MigrationLockWaits = LOCK_WAITS): Promise<MigrationReport> {
  for (let tried = 0; ; tried++) {
    try {
      return await migrateOnce(client, schema, sql, waits.lockTimeoutMs);
    } catch (error) {
      const pause = waits.retryDelaysMs[tried];
      if (!isCode(error, [LOCK_NOT_AVAILABLE])) throw error;
      if (pause === undefined) {
        throw new StoreUnavailableError(
          `migrating schema "${schema.name}": a table's lock stayed held by another transaction through ${tried + 1} tries of ` +
            `${waits.lockTimeoutMs} ms (see pg_stat_activity for long transactions); nothing was changed`,
          { cause: error, outcome: "not_written" },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

async function migrateOnce(client: pg.ClientBase, schema: SchemaName, sql: Statements, lockTimeoutMs: number): Promise<MigrationReport> {
  const migrations = loadMigrations(schema);
  await client.query("BEGIN");
  try {
    await client.query(sql.migration_lock.text, [`errand:migrate:${schema.name}`]);
    // After the advisory lock: another migrator may hold that one as long as its work takes.
    await client.query(`SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`);
    await client.query(sql.migration_bookkeeping.text);
    const from = await recordedVersion(client, sql, schema, migrations);
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
  const migrations = loadMigrations(schema);
  const found = rows[0]!.present ? await recordedVersion(client, sql, schema, migrations) : 0;
  requireCurrentSchema(found, migrations);
}

/**
 * The version the schema's `migrations` table records, once it is known to be Errand's: a table
 * of that name without Errand's columns, or recording a version this code knows under another
 * name, is someone else's (a shared `public`, say), and Errand must not write into it.
 */
async function recordedVersion(client: pg.ClientBase, sql: Statements, schema: SchemaName, migrations: Migration[]): Promise<number> {
  let rows: { version: number; name: string }[];
  try {
    ({ rows } = await client.query<{ version: number; name: string }>(sql.migration_version.text));
  } catch (error) {
    throw isCode(error, ["42703", "42804", "42883"]) ? notErrandsSchema(schema, error) : error;
  }
  const known = new Map(migrations.map((m) => [m.version, m.name]));
  const foreign = rows.find((r) => known.has(r.version) && known.get(r.version) !== r.name);
  if (foreign !== undefined) throw notErrandsSchema(schema, new Error(`its migrations table records version ${foreign.version} as "${foreign.name}"`));
  // Every Errand schema starts at version 1, a newer Errand's too: a table whose first version is
  // a timestamp (20240102120000) is someone else's, not a schema from the future.
  const first = rows[0];
  if (first !== undefined && Number(first.version) !== 1)
    throw notErrandsSchema(schema, new Error(`its migrations table starts at version ${first.version}, where Errand's start at 1`));
  return rows.at(-1)?.version ?? 0;
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
