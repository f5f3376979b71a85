import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/core/errors.js";
import { leaseOf } from "../../src/core/job.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { newJob } from "../helpers/new-job.js";
import { postgresSchemaOf } from "../helpers/schema-at-version.js";
import { postgresConnections } from "../helpers/postgres-connections.js";
import { adminQuery, postgresFactory, proxiedPostgresUrl } from "../helpers/postgres-factory.js";
import type { TcpProxy } from "../helpers/tcp-proxy.js";
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

  /** Waits for the store's statement containing `text` to wait on a lock, and drops its connection. */
  const dropWaiting = async (url: string, text: string) => {
    const [waiting] = await waitFor(async () => {
      const found = await waitingOn(url, text);
      return found.length > 0 ? found : null;
    }, { what: `a statement with "${text}" to wait` });
    await adminQuery("SELECT pg_terminate_backend($1)", [waiting!.pid]);
  };

  /** Shuts `proxy` and waits until `store` meets a refused connection, not just one the proxy cut. */
  const shutUntilRefused = async (proxy: TcpProxy, store: PostgresStore) => {
    await proxy.shut();
    // A read may first fail on a pooled connection the proxy cut; once one is refused, none is left.
    await waitFor(
      () => store.getJob({ id: "1" }).then(
        () => false,
        (error: StoreUnavailableError) => (error.cause as { code?: string } | undefined)?.code === "ECONNREFUSED",
      ),
      { what: "a new connection to be refused" },
    );
  };

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
    // Two keyed units, so that they commit together (jobs without a key commit apart from keyed ones).
    const plain = store.insertJobs({ jobs: [newJob({ type: "plain", idempotencyKey: "K2" })] });
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
    await dropWaiting(url, "$1 idempotency_key[]");
    await locker.query("COMMIT");
    const [plainOutcome, keyedOutcome] = await outcomes;

    const { rows } = await locker.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".jobs WHERE type = 'plain'`);
    expect(rows[0]!.n, "the plain job exists once").toBe(1);
    // Its caller cannot be told for sure whether it was written: an error, not a second try
    // (which its key would have answered with the job, hiding the lost reply), and one that says
    // so rather than that nothing was written.
    for (const outcome of [plainOutcome, keyedOutcome]) {
      expect(outcome.status).toBe("rejected");
      const error = (outcome as PromiseRejectedResult).reason as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: "store_unavailable", outcome: "unknown" });
      expect(error.message).toMatch(/^PostgreSQL at .* is unavailable \(.+\); the connection was lost while the jobs were being written, so they may have been: /);
      expect(error.message).toMatch(/trying again is safe with an idempotency key \(it finds the job if it exists\), but without one it may enqueue them twice$/);
      expect(error.message).not.toMatch(/nothing was written/);
    }
  });

  it("says nothing was written when the server could not be reached before the insert was sent", async () => {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    const store = await open(url);
    await shutUntilRefused(proxy, store);
    // Two units, committed together (one combined insert), and each caller hears the same.
    const outcomes = await Promise.allSettled([
      store.insertJobs({ jobs: [newJob({ type: "plain" })] }),
      store.insertJobs({ jobs: [newJob({ type: "keyed", idempotencyKey: "K" })] }),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      const error = (outcome as PromiseRejectedResult).reason as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: "store_unavailable", outcome: "not_written" });
      expect(error.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+\/test is unavailable \(.*ECONNREFUSED.*\); nothing was written, so trying again is safe$/);
    }
    const jobs = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${postgresSchemaOf(url.toString())}".jobs`);
    expect(jobs[0]!.n).toBe(0);
  });

  it("fails every unit of a combined completion at once when the server is unreachable, without trying each alone", async () => {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    const store = await open(url);
    await store.insertJobs({ jobs: [newJob(), newJob(), newJob()] });
    const claimed = await store.claimJobs({ queues: ["default"], limit: 3, workerId: "w", leaseMs: 60_000 });
    await shutUntilRefused(proxy, store);
    // Counts the completion statements the store sends (observed, not replaced).
    const runner = (store as unknown as { runner: { query: (name: string, ...rest: unknown[]) => Promise<unknown> } }).runner;
    const query = runner.query.bind(runner);
    let sent = 0;
    runner.query = (name, ...rest) => ((sent += name === "complete_plain_jobs" ? 1 : 0), query(name, ...rest));
    // Three units, committed together: each alone would fail alike, each after its own wait
    // for a connection; the workers try again later instead (their leases are still held).
    const outcomes = await Promise.allSettled(claimed.map((job) => store.completeJobs({ completions: [{ lease: leaseOf(job), result: null }] })));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
    expect(sent).toBe(1);
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

  it("tells a plain job's completer it was accepted when the settling of a flow job grouped with it fails", async () => {
    const url = await factory!.url();
    const schema = postgresSchemaOf(url);
    const store = await open(url);
    const locker = await client(url);
    await store.insertJobs({ jobs: [newJob({ type: "plain" })] });
    await store.insertFlow({ nodes: [{ job: newJob({ type: "flow", flowNode: "a" }), parents: [] }] });
    const claimed = await store.claimJobs({ queues: ["default"], limit: 10, workerId: "w", leaseMs: 60_000 });
    const [plain, flow] = ["plain", "flow"].map((type) => claimed.find((j) => j.type === type)!);
    // The plain job completes in the group's first statement; the flow job's transaction, which
    // follows, waits on a row lock and loses its connection.
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${schema}".jobs WHERE id = $1 FOR UPDATE`, [flow!.id]);
    const outcomes = Promise.allSettled([
      store.completeJobs({ completions: [{ lease: leaseOf(plain!), result: null }] }),
      store.completeJobs({ completions: [{ lease: leaseOf(flow!), result: null }] }),
    ]);
    await dropWaiting(url, "");
    await locker.query("COMMIT");

    expect(await outcomes).toEqual([
      { status: "fulfilled", value: [true] },
      { status: "fulfilled", value: [true] }, // tried again alone
    ]);
    expect((await store.getJob({ id: plain!.id }))!.state).toBe("completed");
  });

  it("gives up with an error, not an endless loop, on a key that conflicts but cannot be read back", async () => {
    const store = await open(await factory!.url());
    // A lone surrogate: PostgreSQL stores U+FFFD in its place, so a lookup by the key as sent
    // finds nothing. The client refuses such keys; the store, below it, must still terminate.
    const job = newJob({ idempotencyKey: "k\ud800" });
    await store.insertJobs({ jobs: [job] });
    await expect(store.insertJobs({ jobs: [job] })).rejects.toThrow(/conflict with jobs that cannot be read back/);
  });
});
