import { describe, expect, it } from "vitest";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { newJob } from "../helpers/new-job.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { postgresConnections } from "../helpers/postgres-connections.js";
import { postgresSchemaOf } from "../helpers/schema-at-version.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = await postgresFactory();

/**
 * PostgreSQL keeps its ended-job tallies (migration 012) in one row per backend, so that
 * transactions ending jobs at once never wait on one another, and folds the rows of backends
 * that have gone. (The counts themselves are checked on both stores by queue-count-conformance.)
 */
(factory ? describe : describe.skip)("PostgreSQL ended-job tallies", () => {
  const { open, client } = postgresConnections();
  const tallySlots = async (url: string) =>
    (await adminQuery<{ slot: number }>(`SELECT DISTINCT slot FROM "${postgresSchemaOf(url)}".ended_tallies ORDER BY slot`)).map((r) => r.slot);
  const completedCount = async (store: PostgresStore) => (await store.countJobs({}))[0]?.counts.completed ?? 0;

  it("ends jobs in two open transactions at once, neither waiting on the other's tally", async () => {
    const url = await factory!.url();
    const store = await open(url);
    await store.insertJobs({ jobs: [newJob(), newJob()] });
    const [first, second] = await store.claimJobs({ queues: ["default"], limit: 2, workerId: "w", leaseMs: 30_000 });
    const jobs = `"${postgresSchemaOf(url)}".jobs`;
    const [a, b] = [await client(url), await client(url)];
    await a.query("BEGIN");
    await a.query(`UPDATE ${jobs} SET state = 'completed', lease_expires_at = NULL, finished_at = now() WHERE id = $1`, [first!.id]);
    // With one shared row, this would wait for `a` to commit (and time out).
    await b.query("SET statement_timeout = 2000");
    await b.query(`UPDATE ${jobs} SET state = 'completed', lease_expires_at = NULL, finished_at = now() WHERE id = $1`, [second!.id]);
    await a.query("COMMIT");
    expect((await store.countJobs({}))[0]!.counts).toMatchObject({ completed: 2, running: 0 });
  });

  it("folds the tallies of connections that have closed into one row, the counts unchanged", async () => {
    const url = await factory!.url();
    const ending = await PostgresStore.open(parsePostgresUrl(url));
    await ending.insertJobs({ jobs: Array.from({ length: 20 }, () => newJob()) });
    const claimed = await ending.claimJobs({ queues: ["default"], limit: 20, workerId: "w", leaseMs: 30_000 });
    await ending.completeJobs({ completions: claimed.map((j) => ({ lease: { jobId: j.id, attempt: j.attempt, workerId: "w" }, result: null })) });
    expect((await tallySlots(url)).filter((slot) => slot !== 0)).not.toEqual([]);
    await ending.close();

    const store = await open(url);
    expect(await completedCount(store)).toBe(20);
    // A closed connection's backend leaves pg_stat_activity a moment after the client has gone.
    await waitFor(async () => {
      await store.foldEndedTallies();
      return (await tallySlots(url)).join() === "0";
    });
    expect(await completedCount(store)).toBe(20);
    expect(await store.foldEndedTallies()).toBe(0);
  });

  it("counts changes made by hand in bulk - inserted, updated, deleted - before and after they are folded", async () => {
    const url = await factory!.url();
    const store = await open(url);
    const jobs = `"${postgresSchemaOf(url)}".jobs`;
    const counts = async () => (await store.countJobs({})).map(({ queue, counts }) => [queue, counts.completed, counts.failed, counts.pending]);
    // A restore of ended jobs, as an operator might run it.
    await adminQuery(
      `INSERT INTO ${jobs} (type, queue, state, payload, attempt, max_attempts, backoff, created_at, run_at, finished_at)
       SELECT 't', 'restored', 'completed', '{}', 1, 3, '{"baseMs":1000,"maxMs":3600000,"jitter":0.5}', now(), now(), now()
       FROM generate_series(1, 5000)`,
    );
    expect(await counts()).toEqual([["restored", 5000, 0, 0]]);
    await adminQuery(`UPDATE ${jobs} SET state = 'failed' WHERE id IN (SELECT id FROM ${jobs} ORDER BY id LIMIT 2000)`);
    await adminQuery(`UPDATE ${jobs} SET state = 'pending', finished_at = NULL WHERE id IN (SELECT id FROM ${jobs} WHERE state = 'failed' ORDER BY id LIMIT 500)`);
    expect(await counts()).toEqual([["restored", 3000, 1500, 500]]);
    expect(await store.foldEndedTallies()).toBeGreaterThan(0);
    expect(await counts()).toEqual([["restored", 3000, 1500, 500]]);
    await adminQuery(`DELETE FROM ${jobs} WHERE state = 'completed'`);
    expect(await counts()).toEqual([["restored", 0, 1500, 500]]);
    await store.foldEndedTallies();
    expect(await counts()).toEqual([["restored", 0, 1500, 500]]);
  });

  it("clears the counts of ended jobs when the jobs table is truncated", async () => {
    const url = await factory!.url();
    const store = await open(url);
    await store.insertJobs({ jobs: [newJob(), newJob()] });
    const [job] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w", leaseMs: 30_000 });
    await store.completeJobs({ completions: [{ lease: { jobId: job!.id, attempt: job!.attempt, workerId: "w" }, result: null }] });
    expect(await completedCount(store)).toBe(1);
    await adminQuery(`TRUNCATE "${postgresSchemaOf(url)}".jobs CASCADE`);
    expect(await store.countJobs({})).toEqual([]);
  });
});
