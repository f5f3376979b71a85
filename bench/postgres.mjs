// PostgreSQL for the benchmark: a fresh schema per workload on BENCH_POSTGRES_URL, all dropped
// at the end, and a bulk loader of finished jobs for claim_with_1m_finished.
import pg from "pg";
import { parsePostgresUrl } from "../dist/store/postgres/connection-url.js";

export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://localhost:5432/test";

async function withClient(fn) {
  const client = new pg.Client({ connectionString: parsePostgresUrl(BENCH_POSTGRES_URL).connectionString, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function postgresReachable() {
  try {
    await withClient((c) => c.query("SELECT 1"));
    return true;
  } catch (error) {
    process.stderr.write(`skipping the PostgreSQL benchmark: ${BENCH_POSTGRES_URL} is unreachable (${error.message})\n`);
    return false;
  }
}

/**
 * Fresh schemas, as bench/fresh-stores.mjs describes: `fresh()` → URL, `drop(url)`; `dropAll()`
 * removes any still there (a run cut short by an error).
 */
export function postgresSchemas() {
  const live = new Set();
  let seq = 0;
  const dropSchema = (c, schema) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  return {
    fresh: async () => {
      const schema = `errand_bench_${process.pid}_${++seq}`;
      live.add(schema);
      return `${BENCH_POSTGRES_URL}?schema=${schema}`;
    },
    drop: async (url) => {
      const { schema } = parsePostgresUrl(url);
      await withClient((c) => dropSchema(c, schema));
      live.delete(schema);
    },
    dropAll: () => withClient(async (c) => {
      for (const schema of live) await dropSchema(c, schema);
      live.clear();
    }),
  };
}

/**
 * Inserts `count` completed jobs in one statement, then VACUUM ANALYZE as autovacuum would
 * eventually do on a table that size, so the planner and visibility map see what they would
 * in a long-running install.
 */
export async function fillFinished(url, count) {
  const { schema } = parsePostgresUrl(url);
  await withClient(async (c) => {
    await c.query(
      `INSERT INTO "${schema}".jobs (type, queue, state, payload, attempt, max_attempts, backoff, result,
                                     created_at, run_at, started_at, finished_at)
       SELECT 'bench-old', 'default', 'completed', '{}', 1, 1, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', 'null',
              now(), now(), now(), now()
       FROM generate_series(1, $1)`,
      [count],
    );
    await c.query(`VACUUM ANALYZE "${schema}".jobs`);
    // Flush the load's ~200 MB of WAL now, so a checkpoint it triggers does not land inside the
    // timed run (needs superuser or pg_checkpoint; skipped without).
    await c.query("CHECKPOINT").catch(() => {});
  });
}
