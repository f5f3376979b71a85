// A reference, not a queue: one durable commit of a one-row INSERT on the same PostgreSQL, timed
// by the harness's own latency loop (a sample ends when the insert's autocommit returns). A queue
// that starts a job only once its enqueue is durable cannot start it sooner than this, so its
// figures say how much of each PostgreSQL system's latency is the commit itself (a Redis that
// writes nothing to disk has no such floor).
import pg from "pg";
import { runLatencyWorkload } from "./harness.mjs";
import { dropSchema, freshSchemaName, pgUrl } from "./pg-schemas.mjs";

async function open() {
  const schema = freshSchemaName("commit");
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".rows (id bigserial PRIMARY KEY, payload jsonb NOT NULL)`);
  let started;
  return {
    async enqueue(payload) {
      await client.query(`INSERT INTO "${schema}".rows (payload) VALUES ($1)`, [payload]);
      started(payload);
    },
    async startWorker({ handler }) {
      started = handler;
    },
    async close() {
      await client.end();
      await dropSchema(schema);
    },
  };
}

await runLatencyWorkload({ system: "postgres-commit", store: "postgres", open }, "default");
