import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/core/errors.js";
import { newJob } from "../helpers/new-job.js";
import { postgresSchemaOf } from "../helpers/schema-at-version.js";
import { postgresConnections } from "../helpers/postgres-connections.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = await postgresFactory();

/** Faults and races between the PostgreSQL store's statements, staged with real connections. */
(factory ? describe : describe.skip)("PostgreSQL store under faults and races", () => {
  const { open, client } = postgresConnections();
  /** The store's backends waiting on a lock in a statement whose text (its first 1 kB) contains `text`. */
  const waitingOn = (url: string, text: string) =>
    adminQuery<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND position($2 in query) > 0",
      [`errand:${postgresSchemaOf(url)}`, text],
    );

  it("never inserts a grouped unit twice when the combined insert committed before its connection dropped", async () => {
    const url = await factory!.url();
    const schema = postgresSchemaOf(url);
    const store = await open(url);
    const holder = await client(url);
    const locker = await client(url);
    const [{ pid: lockerPid }] = (await locker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows as [{ pid: number }];
    // An uncommitted job with key K makes the combined insert wait; it commits while a table
    // lock holds back the statement that follows the insert (the lookup of K's job).
    await holder.query("BEGIN");
    await store.insertJobs({ jobs: [newJob({ idempotencyKey: "K" })], tx: holder });
    const plain = store.insertJobs({ jobs: [newJob({ type: "plain" })] });
    const keyed = store.insertJobs({ jobs: [newJob({ type: "keyed", idempotencyKey: "K" })] });
    const outcomes = Promise.allSettled([plain, keyed]);
    await waitFor(async () => (await waitingOn(url, "One statement inserts a whole batch")).length === 1, { what: "the combined insert to wait on K" });
    await locker.query("BEGIN");
    const locking = locker.query(`LOCK TABLE "${schema}".jobs IN ACCESS EXCLUSIVE MODE`);
    await waitFor(
      async () => (await adminQuery("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [lockerPid])).length === 1,
      { what: "the table lock to queue" },
    );
    await holder.query("COMMIT");
    await locking; // granted once the combined insert committed
    // The insert committed; its connection drops before the lookup that would complete its reply.
    const [lookup] = await waitFor(async () => {
      const waiting = await waitingOn(url, "$1 idempotency_key[]");
      return waiting.length > 0 ? waiting : null;
    }, { what: "the lookup to wait" });
    await adminQuery("SELECT pg_terminate_backend($1)", [lookup!.pid]);
    await locker.query("COMMIT");
    const [plainOutcome] = await outcomes;

    const { rows } = await locker.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".jobs WHERE type = 'plain'`);
    expect(rows[0]!.n, "the plain job exists once").toBe(1);
    // Its caller cannot be told for sure whether it was written: an error, not a second copy.
    expect(plainOutcome.status).toBe("rejected");
    expect((plainOutcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
  });

  it("still inserts its neighbours when the server refuses one unit of a combined insert", async () => {
    const store = await open(await factory!.url());
    const outcomes = await Promise.allSettled([
      store.insertJobs({ jobs: [newJob({ type: "before" })] }),
      store.insertJobs({ jobs: [newJob({ priority: 2 ** 40 })] }), // out of the column's range
      store.insertJobs({ jobs: [newJob({ type: "after" })] }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});
