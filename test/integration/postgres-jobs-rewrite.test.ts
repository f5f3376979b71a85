import { describe, expect, it } from "vitest";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { loadMigrations } from "../../src/store/postgres/migrate.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { schemaName } from "../../src/store/postgres/schema-name.js";
import { newJob } from "../helpers/new-job.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { postgresSchemaFixtures, postgresSchemaOf } from "../helpers/schema-at-version.js";

const factory = await postgresFactory();
const REWRITE = loadMigrations(schemaName("x")).find((m) => m.name.includes("jobs_column_order"))!.version;

/** What a user of the table can see of its definition, in a form two schemas can be compared by. */
async function definitionOf(schema: string) {
  const table = `"${schema}".jobs`;
  const columns = await adminQuery(
    `SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = 'jobs' ORDER BY column_name`,
    [schema],
  );
  const constraints = await adminQuery(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`,
    [table],
  );
  const indexes = await adminQuery<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'jobs' ORDER BY indexname`,
    [schema],
  );
  const [sequence] = await adminQuery(`SELECT pg_get_serial_sequence($1, 'id') AS name`, [table]);
  return {
    columns,
    constraints,
    indexes: indexes.map((i) => ({ ...i, indexdef: i.indexdef.replaceAll(schema, "S") })),
    sequence: (sequence!.name as string).replace(schema, "S"),
  };
}

/** Every job's every column, by name, in id order. */
const jobsOf = (schema: string) => adminQuery(`SELECT to_jsonb(j) AS job FROM "${schema}".jobs AS j ORDER BY id`);

(factory ? describe : describe.skip)("PostgreSQL migration that rewrites the jobs table", () => {
  it("keeps every job, column for column, the table's definition, and the ids going on where they were", async () => {
    const url = await factory!.url();
    const schema = postgresSchemaOf(url);
    await postgresSchemaFixtures.migrateTo(url, REWRITE - 1);
    const before = await definitionOf(schema);
    // Jobs as the previous version left them: waiting, running under a lease, ended with a
    // result and errors, keyed, grouped, in a flow, owing a webhook; and ids drawn but unused.
    await adminQuery(
      `INSERT INTO "${schema}".jobs (type, queue, state, payload, priority, attempt, max_attempts, timeout_ms, backoff,
         progress, result, errors, idempotency_key, run_at, started_at, finished_at, worker_id, lease_expires_at,
         correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
         on_parent_failure, batch_id)
       VALUES
         ('mail', 'default', 'pending', '{"to": "a@example.com",  "n": 1}', 3, 0, 5, NULL, '{"type":"fixed","delayMs":10}',
          NULL, NULL, '[]', 'key-1', now() + interval '1 hour', NULL, NULL, NULL, NULL, 'req-1', NULL, false, NULL, NULL, NULL, NULL, 0, NULL, NULL),
         ('render', 'video', 'running', '[1, 2]', 0, 2, 3, 60000, '{"type":"exponential","baseMs":100}',
          40, NULL, '[{"attempt":1,"message":"boom"}]', NULL, now(), now(), NULL, 'worker-7', now() + interval '30 seconds', NULL,
          'http://localhost/hook', false, 'account-9', 2, 12, 'render', 0, 'cancel', NULL),
         ('report', 'default', 'completed', '"x"', 0, 1, 1, NULL, '{"type":"fixed","delayMs":0}',
          100, '{"file": "r.csv"}', '[]', NULL, now(), now(), now(), NULL, NULL, NULL, 'http://localhost/hook', true, NULL, NULL, NULL, NULL, 0, NULL, 41)`,
    );
    await adminQuery(`SELECT nextval('"${schema}".jobs_id_seq') FROM generate_series(1, 5)`);
    const jobs = await jobsOf(schema);

    const store = await PostgresStore.open(parsePostgresUrl(url));
    try {
      expect(await postgresSchemaFixtures.versions(url)).toContain(REWRITE);
      expect(await jobsOf(schema)).toEqual(jobs);
      expect(await definitionOf(schema)).toEqual(before);
      const [inserted] = await store.insertJobs({ jobs: [newJob({ payload: '"after"' })] });
      expect(Number(inserted!.job.id)).toBe(3 + 5 + 1);
      // The store works on the rewritten table: the waiting job is claimed and completed.
      const claimed = await store.claimJobs({ queues: ["default"], limit: 10, workerId: "w", leaseMs: 30_000 });
      expect(claimed.map((j) => j.id)).toEqual([inserted!.job.id]);
      const lease = { jobId: claimed[0]!.id, attempt: claimed[0]!.attempt, workerId: "w" };
      expect(await store.completeJobs({ completions: [{ lease, result: '"done"' }] })).toEqual([true]);
      const [reloptions] = await adminQuery(`SELECT reloptions FROM pg_class WHERE oid = $1::regclass`, [`"${schema}".jobs`]);
      expect(reloptions!.reloptions).toEqual(["fillfactor=50"]);
    } finally {
      await store.close();
    }
  });
});
