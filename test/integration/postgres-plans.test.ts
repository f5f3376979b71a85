import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { schemaName } from "../../src/store/postgres/schema-name.js";
import { loadStatements, type StatementName } from "../../src/store/postgres/statements.js";
import { newJob } from "../helpers/new-job.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

/**
 * The statements on every job's path must read just the rows they touch at any table size.
 * The planner picks by estimated cost, so a shape that reads the whole table can win on a
 * table of moderate size and cost every call time proportional to it (the claim's ctid join
 * once did: a hash join over a sequential scan of 20,000 rows on each claim). Checked on a
 * moderate and a larger table (on a small one a whole scan is cheap, and rightly chosen),
 * with the plan pg builds for one call (custom) and the one a prepared statement may settle
 * on after a few calls (generic).
 */
// Batches the size a busy worker sends (a claim of 500, completions and heartbeats of as many
// leases), so the planner sees arrays that long in the custom plans.
const IDS = `ARRAY[${Array.from({ length: 500 }, (_, i) => i + 1).join(",")}]::bigint[]`;
const ONES = "array_fill(1, ARRAY[500])";
const WORKERS = "array_fill('w'::text, ARRAY[500])";
const HOT_PATH: { name: StatementName; args: string }[] = [
  { name: "claim_jobs", args: "ARRAY['default'], 500, 'w', 15000" },
  { name: "complete_jobs", args: `${IDS}, ${ONES}, ${WORKERS}, array_fill(NULL::text, ARRAY[500])` },
  { name: "complete_plain_jobs", args: `${IDS}, ${ONES}, ${WORKERS}, array_fill(NULL::text, ARRAY[500])` },
  { name: "extend_leases", args: `${IDS}, ${ONES}, ${WORKERS}, 15000` },
  { name: "snooze_jobs", args: `${IDS}, ${ONES}, ${WORKERS}, 0` },
  { name: "claim_jobs_by_id", args: `${IDS}, 'w', 15000, NULL` },
  { name: "fail_job", args: "1, 1, 'w', 1000, 'boom', NULL, NULL" },
  { name: "rescue_expired_leases", args: "100" },
  { name: "release_children", args: `${IDS}, array_fill(false, ARRAY[500]), 'channel'` },
  { name: "lock_claim_candidates", args: "ARRAY['default'], ARRAY[NULL]::int[], ARRAY['plan'], ARRAY['default'], ARRAY[5], 500, ARRAY['g'], 1000" },
  { name: "lock_claimable_groups", args: "ARRAY['default'], 50, '', NULL, 1000, 'ns'" },
  { name: "grouped_jobs_waiting", args: "ARRAY['default']" },
  { name: "count_running_limited", args: "ARRAY['default'], ARRAY['plan']" },
  { name: "release_batch_callbacks", args: `${IDS}, 'channel'` },
  { name: "mark_webhooks_enqueued", args: `${IDS}, array_fill(now(), ARRAY[500])` },
  { name: "get_jobs", args: IDS },
  { name: "cancel_flow_jobs", args: "1" },
  { name: "lock_parents_of_job", args: "1" },
  { name: "list_parent_jobs", args: "1" },
  { name: "update_progress", args: "1, 1, 'w', 50" },
];

(factory ? describe : describe.skip)("PostgreSQL hot-path plans", () => {
  let client: pg.Client;
  let schema: string;
  let url: string;
  beforeAll(async () => {
    url = await factory!.url();
    const store = await PostgresStore.open(parsePostgresUrl(url));
    await store.close();
    schema = new URL(url).searchParams.get("schema")!;
    client = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString });
    await client.connect();
  });
  afterAll(() => client?.end());

  const planOf = async (name: StatementName, args: string, mode: "force_custom_plan" | "force_generic_plan") => {
    const { text } = loadStatements(schemaName(schema))[name];
    await client.query(`SET plan_cache_mode = ${mode}`);
    await client.query(`PREPARE plan_check AS ${text}`);
    try {
      const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE plan_check(${args})`);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      await client.query("DEALLOCATE plan_check");
    }
  };

  it("keeps a claimed job's new version on the page it was inserted on", async () => {
    // A version that finds no room on its page goes to another: two pages touched, and a lock
    // record more in the WAL (011_jobs_fillfactor.sql). On full pages every claimed job moves.
    // (Only the claim is checked: the completion's room comes from pruning the claim's old
    // versions, which any other test's open transaction may hold back.)
    await client.query(`TRUNCATE "${schema}".jobs`);
    const store = await PostgresStore.open(parsePostgresUrl(url));
    try {
      await store.insertJobs({ jobs: Array.from({ length: 300 }, (_, i) => newJob({ payload: JSON.stringify({ i }) })) });
      const pages = async () => {
        const { rows } = await client.query<{ id: string; page: number }>(`SELECT id::text, (ctid::text::point)[0]::int AS page FROM "${schema}".jobs`);
        return new Map(rows.map((r) => [r.id, r.page]));
      };
      const inserted = await pages();
      expect(await store.claimJobs({ queues: ["default"], limit: 300, workerId: "w", leaseMs: 30_000 })).toHaveLength(300);
      const claimed = await pages();
      const moved = [...inserted].filter(([id, page]) => claimed.get(id) !== page).length;
      expect(moved).toBeLessThan(300 / 4);
    } finally {
      await store.close();
    }
  });

  it("builds release_children's lookup arrays once, not again for every child it updates", async () => {
    // Inlined into the UPDATE, the aggregate ran once per updated row: quadratic in the children.
    const plan = await planOf("release_children", `${IDS}, array_fill(false, ARRAY[500]), 'channel'`, "force_generic_plan");
    expect(plan).toMatch(/CTE next\n/);
  });

  it("lists a state's few jobs among many completed ones through an index, planned for the state asked for", async () => {
    await client.query(`TRUNCATE "${schema}".jobs`);
    const insert = (count: number, state: string, extra = "") =>
      client.query(
        `INSERT INTO "${schema}".jobs (type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at${extra ? ", lease_expires_at, worker_id" : ""})
         SELECT 'plan', 'default', $2, '{}', 1, 3, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', now(), now()${extra}
         FROM generate_series(1, $1)`,
        [count, state],
      );
    // The failed jobs are the oldest: walking the primary key down from the newest would read
    // every completed row before reaching them.
    await insert(1_000, "failed");
    await insert(100_000, "completed");
    await insert(5, "running", ", now() + interval '1 minute', 'w'");
    await insert(5, "pending");
    await client.query(`ANALYZE "${schema}".jobs`);
    // Planned for each call's values, as a custom plan is.
    expect(loadStatements(schemaName(schema)).list_jobs.name).toBeUndefined();
    for (const state of ["failed", "canceled", "pending", "scheduled", "retrying", "running", "blocked"]) {
      for (const filters of ["NULL, NULL", "'plan', 'default'"]) {
        const plan = await planOf("list_jobs", `${filters}, '${state}', NULL, 50`, "force_custom_plan");
        expect(plan, `${state}, ${filters}:\n${plan}`).not.toMatch(/Seq Scan on jobs |Index Scan Backward using jobs_pkey/);
      }
    }
  });

  it("counts the jobs not yet ended through their indexes on a table never analyzed", async () => {
    // Errand runs no ANALYZE, and a server may run without autovacuum.
    const fresh = await factory!.url();
    await (await PostgresStore.open(parsePostgresUrl(fresh))).close();
    const freshSchema = new URL(fresh).searchParams.get("schema")!;
    await client.query(
      `INSERT INTO "${freshSchema}".jobs (type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at, finished_at)
       SELECT 'plan', 'default', 'completed', '{}', 1, 3, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', now(), now(), now()
       FROM generate_series(1, 100000)`,
    );
    const { text } = loadStatements(schemaName(freshSchema)).count_jobs;
    const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text.replaceAll("$1::text[]", "NULL::text[]")}`);
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).not.toMatch(/Seq Scan on jobs /);
  });

  it("counts the jobs not yet ended through their indexes, among many completed ones", async () => {
    // The completed ones are counted from their tallies: a count reads none of their rows.
    await client.query(`TRUNCATE "${schema}".jobs CASCADE`);
    await client.query(
      `INSERT INTO "${schema}".jobs (type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at, finished_at)
       SELECT 'plan', 'default', 'completed', '{}', 1, 3, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', now(), now(), now()
       FROM generate_series(1, 100000)`,
    );
    await client.query(`ANALYZE "${schema}".jobs`);
    for (const mode of ["force_custom_plan", "force_generic_plan"] as const) {
      for (const queues of ["NULL", "ARRAY['default']"]) {
        const plan = await planOf("count_jobs", queues, mode);
        expect(plan, `${queues} (${mode}):\n${plan}`).not.toMatch(/Seq Scan on jobs /);
      }
    }
  });

  for (const rows of [20_000, 100_000]) {
    it(`reads no statement's rows by a scan of a whole table, with ${rows.toLocaleString("en")} waiting jobs`, async () => {
      await client.query(`TRUNCATE "${schema}".jobs`);
      await client.query(
        `INSERT INTO "${schema}".jobs (type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at)
         SELECT 'plan', 'default', 'pending', '{}', 0, 3, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', now(), now()
         FROM generate_series(1, $1)`,
        [rows],
      );
      await client.query(`ANALYZE "${schema}".jobs`);
      for (const { name, args } of HOT_PATH) {
        for (const mode of ["force_custom_plan", "force_generic_plan"] as const) {
          const plan = await planOf(name, args, mode);
          expect(plan, `${name} (${mode}):\n${plan}`).not.toMatch(/Seq Scan on (jobs|job_dependencies) /);
        }
      }
    });
  }
});
