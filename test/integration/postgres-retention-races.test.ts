import { describe, expect, it } from "vitest";
import { leaseOf } from "../../src/core/job.js";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import { postgresConnections } from "../helpers/postgres-connections.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { postgresReadPause } from "../helpers/postgres-read-pause.js";
import { postgresSchemaOf } from "../helpers/schema-at-version.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = await postgresFactory();

/**
 * Retention deleting a flow parent while a replay of its canceled child commits, both orders
 * staged with real connections: the child, once replayed, must find its parent (or the replay
 * must be refused), never run with the parent's result gone.
 */
(factory ? describe : describe.skip)("PostgreSQL retention against a concurrent replay", () => {
  const { open, client } = postgresConnections();
  const pause = postgresReadPause();
  /** Waits until a statement of the store whose text contains `text` waits on a lock. */
  const storeWaitsIn = (url: string, text: string) =>
    waitFor(
      async () =>
        (
          await adminQuery(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND position($2 in query) > 0",
            [`errand:${postgresSchemaOf(url)}`, text],
          )
        ).length > 0,
      { what: `a statement with "${text}" to wait` },
    );
  const deleteCompleted = (store: Store) => store.deleteEndedJobs({ state: "completed", olderThanMs: null, keepNewest: 0, limit: 100 });

  /** A flow a → b where a completed and b was canceled: every child of a has ended. */
  const parentDoneChildCanceled = async (store: Store) => {
    const flow = await store.insertFlow({
      nodes: [
        { job: newJob({ type: "a", flowNode: "a" }), parents: [] },
        { job: newJob({ type: "b", flowNode: "b", parentsWaiting: 1 }), parents: ["a"] },
      ],
    });
    const [a, b] = flow.jobs as [typeof flow.jobs[0], typeof flow.jobs[0]];
    const [claimed] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w", leaseMs: 60_000 });
    await store.completeJobs({ completions: [{ lease: leaseOf(claimed!), result: '"from a"' }] });
    expect((await store.cancelJob({ id: b.id })).outcome).toBe("changed");
    return { a, b };
  };

  it("keeps the parent when the replay commits after the delete's snapshot but before it locks the parent", async () => {
    const url = await factory!.url();
    const store = await open(url);
    const { a, b } = await parentDoneChildCanceled(store);
    // The retention sweep runs as a role whose reads of a wait: its statement has taken its
    // snapshot (b canceled), found a and not yet locked it when the replay runs start to finish.
    const sweeper = await PostgresStore.open({ ...parsePostgresUrl(await pause.urlAs(url)), migrate: false });
    try {
      const held = await pause.hold(url, a.id);
      const sweep = deleteCompleted(sweeper);
      await held.reached();
      const replay = await store.retryJob({ id: b.id });
      expect(replay.outcome).toBe("changed");
      await held.release();
      expect(await sweep).toBe(0);
    } finally {
      await sweeper.close();
    }
    // b runs again and reads a's result: a must still be there.
    expect((await store.getJob({ id: b.id }))!.state).toBe("pending");
    expect((await store.getParentJobs({ jobId: b.id })).map((p) => [p.id, p.result])).toEqual([[a.id, "from a"]]);
  });

  it("refuses the replay that waited for the parent while the delete that holds it committed", async () => {
    const url = await factory!.url();
    const schema = postgresSchemaOf(url);
    const store = await open(url);
    const { b } = await parentDoneChildCanceled(store);
    // A batch whose onComplete job the same sweep deletes: the test holds the batch's row, so the
    // sweep, having deleted a, waits before it commits.
    const batch = await store.insertBatch({ jobs: [newJob({ queue: "batch" })], onComplete: newJob({ queue: "batch", payload: "{}", parentsWaiting: 1 }) });
    for (let round = 0; round < 2; round++) {
      const [job] = await store.claimJobs({ queues: ["batch"], limit: 1, workerId: "w", leaseMs: 60_000 });
      await store.completeJobs({ completions: [{ lease: leaseOf(job!), result: null }] });
    }
    const locker = await client(url);
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${schema}".batches WHERE id = $1 FOR UPDATE`, [batch.batch.id]);
    const sweep = deleteCompleted(store);
    await storeWaitsIn(url, ""); // its only statement running
    const replay = store.retryJob({ id: b.id });
    await storeWaitsIn(url, "about to be replayed"); // lock_parents_of_job.sql, for a
    await locker.query("COMMIT");
    expect(await sweep).toBe(3); // a, the batch member and its onComplete job
    expect(await replay).toMatchObject({ outcome: "parent_deleted", job: { id: b.id, state: "canceled" } });
    expect((await store.getJob({ id: b.id }))!.state).toBe("canceled");
  });

  it("keeps the parent when the replay holds it while the delete runs", async () => {
    const url = await factory!.url();
    const store = await open(url);
    const { a, b } = await parentDoneChildCanceled(store);
    // The replay locks a's row first, then waits for b's row, which the test holds.
    const locker = await client(url);
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${postgresSchemaOf(url)}".jobs WHERE id = $1 FOR UPDATE`, [b.id]);
    const replay = store.retryJob({ id: b.id });
    await storeWaitsIn(url, "Holds the row for the rest of the transaction"); // lock_job.sql, for b
    expect(await deleteCompleted(store)).toBe(0); // a is held by the replay: skipped
    await locker.query("COMMIT");
    expect((await replay).outcome).toBe("changed");
    expect((await store.getParentJobs({ jobId: b.id })).map((p) => [p.id, p.result])).toEqual([[a.id, "from a"]]);
  });
});
