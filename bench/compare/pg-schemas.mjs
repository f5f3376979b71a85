// Fresh PostgreSQL schemas for one benchmark phase each, dropped afterwards, so no phase sees
// another's rows and a run leaves nothing behind in the shared `test` database.
import pg from "pg";

// The same server and variable as `npm run bench` (bench/postgres.mjs).
export const pgUrl = process.env.BENCH_POSTGRES_URL ?? "postgres://localhost:5432/test";

// node-postgres takes the user from $USER when the URL names none; a shell without $USER (CI, this
// machine's sessions) would send no user at all, so fall back to the server's own superuser.
if (!process.env.PGUSER && !process.env.USER) process.env.PGUSER = "postgres";

let seq = 0;

/** A schema name nobody else uses: the prefix names the system, pid + counter make it unique. */
export function freshSchemaName(prefix) {
  return `bench_${prefix}_${process.pid}_${++seq}`;
}

export async function dropSchema(name) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop odd schema name ${name}`);
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Flushes what the server still holds dirty, so that no system's run starts while PostgreSQL
 * writes out the one before it (a checkpoint spreads those writes over minutes). Needs a
 * superuser or pg_checkpoint; without, it says so once and the run goes on.
 */
export async function checkpoint() {
  const client = new pg.Client({ connectionString: pgUrl });
  try {
    await client.connect();
    await client.query("CHECKPOINT");
  } catch (error) {
    if (!checkpoint.warned) process.stderr.write(`bench:compare: no CHECKPOINT (${error.message}); runs may inherit each other's writes\n`);
    checkpoint.warned = true;
  } finally {
    await client.end().catch(() => {});
  }
}

/** One short-lived query, for counting a peer's unfinished jobs without touching its pool. */
export async function queryOne(pool, sql, params = []) {
  const { rows } = await pool.query(sql, params);
  return rows[0];
}
