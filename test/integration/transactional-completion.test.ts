import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { LeaseLostError, UnsupportedByStoreError } from "../../src/core/errors.js";
import type { TransactionClient } from "../../src/core/enqueue-options.js";
import type { Job } from "../../src/core/job.js";
import { Errand } from "../../src/errand.js";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { POSTGRES_URL, adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const fast = { leaseMs: 2_000, heartbeatMs: 100, pollIntervalMs: 50, reaperIntervalMs: 100 };
const quickBackoff = { baseMs: 10, maxMs: 20, jitter: 0 };
const pgFactory = await postgresFactory();

const running: Errand[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close({ graceMs: 0 })));
});

async function ended(errand: Errand, id: string): Promise<Job> {
  return waitFor(async () => {
    const job = await errand.getJob(id);
    return job && ["completed", "failed", "canceled"].includes(job.state) ? job : null;
  }, { what: `job ${id} to end` });
}

interface Signup {
  email: string;
  /** On this attempt, throw inside the transaction after the user's write. */
  throwOnAttempt?: number;
  /** On this attempt, lose the lease (the job is rescued) after the user's write. */
  loseLeaseOnAttempt?: number;
  /** After the user's write, wait this long inside the transaction (work of the handler's own). */
  waitInsideMs?: number;
  /** After the user's write, update the row of `locks`, which a test may hold locked. */
  bumpLockedRow?: boolean;
  /** On this attempt, have the transaction's connection terminated (a failover, say) after the user's write. */
  dropConnectionOnAttempt?: number;
}

(pgFactory ? describe : describe.skip)("ctx.completeInTransaction on PostgreSQL", () => {
  let errand: Errand;
  let users: string;
  let jobs: string;
  let locks: string;
  const completedEvents: string[] = [];
  const attemptErrors: unknown[] = [];

  async function start() {
    const url = await pgFactory!.url();
    const schema = new URL(url).searchParams.get("schema")!;
    errand = await Errand.connect(await pgFactory!.open(url));
    running.push(errand);
    users = `"${schema}".users`;
    jobs = `"${schema}".jobs`;
    locks = `"${schema}".locks`;
    await adminQuery(`CREATE TABLE ${users} (email text NOT NULL, attempt int NOT NULL)`);
    await adminQuery(`CREATE TABLE ${locks} (n int NOT NULL); INSERT INTO ${locks} VALUES (0)`);
    completedEvents.length = 0;
    attemptErrors.length = 0;
    errand.on("completed", ({ job }) => completedEvents.push(job.id));
    const signup = errand.define("create-user", {
      maxAttempts: 3,
      backoff: quickBackoff,
      handler: async (payload: Signup, ctx) => {
        try {
          return await ctx.completeInTransaction(async (tx: TransactionClient) => {
            await tx.query(`INSERT INTO ${users} (email, attempt) VALUES ($1, $2)`, [payload.email, ctx.job.attempt]);
            if (payload.throwOnAttempt === ctx.job.attempt) throw new Error("mail server said no");
            if (payload.waitInsideMs !== undefined) await new Promise((r) => setTimeout(r, payload.waitInsideMs));
            if (payload.bumpLockedRow) await tx.query(`UPDATE ${locks} SET n = n + 1`);
            if (payload.dropConnectionOnAttempt === ctx.job.attempt) {
              const { rows } = (await tx.query("SELECT pg_backend_pid() AS pid")) as { rows: { pid: number }[] };
              await adminQuery("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
              await tx.query("SELECT 1"); // fails: the connection is gone
            }
            // What the reaper does when a lease expires: the job is someone else's to run now.
            if (payload.loseLeaseOnAttempt === ctx.job.attempt)
              await adminQuery(`UPDATE ${jobs} SET state = 'retrying', run_at = now(), worker_id = NULL, lease_expires_at = NULL WHERE id = $1`, [ctx.job.id]);
            return { attempt: ctx.job.attempt };
          });
        } catch (error) {
          attemptErrors.push(error);
          throw error;
        }
      },
    });
    errand.work({ ...fast, concurrency: 4 });
    return signup;
  }
  const rows = () => adminQuery<{ email: string; attempt: number }>(`SELECT email, attempt FROM ${users} ORDER BY attempt`);

  it("commits the handler's write and the completion together, and completes the job once", async () => {
    const signup = await start();
    const job = await signup.enqueue({ email: "ada@example.com" });
    const done = await ended(errand, job.id);
    expect(done).toMatchObject({ state: "completed", attempt: 1, result: { attempt: 1 }, progress: 100 });
    expect(await rows()).toEqual([{ email: "ada@example.com", attempt: 1 }]);
    await waitFor(() => completedEvents.includes(job.id), { what: "completed event" });
    expect(completedEvents).toEqual([job.id]);
    expect(attemptErrors).toEqual([]);
  });

  it("rolls back the handler's write and the completion when the handler throws inside; the retry commits", async () => {
    const signup = await start();
    const job = await signup.enqueue({ email: "bob@example.com", throwOnAttempt: 1 });
    const done = await ended(errand, job.id);
    expect(done).toMatchObject({ state: "completed", attempt: 2, result: { attempt: 2 } });
    expect(done.errors.map((e) => [e.attempt, e.message])).toEqual([[1, "mail server said no"]]);
    expect(await rows()).toEqual([{ email: "bob@example.com", attempt: 2 }]);
  });

  it("reports a connection lost inside the transaction as the store's (store_unavailable); the write is gone, the retry commits", async () => {
    const signup = await start();
    const job = await signup.enqueue({ email: "eve@example.com", dropConnectionOnAttempt: 1 });
    const done = await ended(errand, job.id);
    expect(done).toMatchObject({ state: "completed", attempt: 2, result: { attempt: 2 } });
    expect(done.errors.map((e) => [e.attempt, e.code])).toEqual([[1, "store_unavailable"]]);
    expect(done.errors[0]!.message).toMatch(/^PostgreSQL at .* is unavailable/);
    expect(await rows()).toEqual([{ email: "eve@example.com", attempt: 2 }]);
  });

  it("refuses the commit when the lease was lost before it: the write is rolled back, the next attempt's commits", async () => {
    const signup = await start();
    const job = await signup.enqueue({ email: "cy@example.com", loseLeaseOnAttempt: 1 });
    const done = await ended(errand, job.id);
    expect(done).toMatchObject({ state: "completed", attempt: 2, result: { attempt: 2 } });
    expect(await rows()).toEqual([{ email: "cy@example.com", attempt: 2 }]);
    expect(attemptErrors).toHaveLength(1);
    expect(attemptErrors[0]).toBeInstanceOf(LeaseLostError);
    // The lost attempt recorded nothing: no failure on the job, one completion only.
    expect(done.errors).toEqual([]);
    expect(completedEvents).toEqual([job.id]);
  });

  it("rolls the transaction back when the attempt times out inside it: the timeout is the outcome, the write is gone", async () => {
    const signup = await start();
    const job = await signup.enqueue({ email: "dee@example.com", waitInsideMs: 1_500 }, { timeoutMs: 200, maxAttempts: 1 });
    const done = await ended(errand, job.id);
    expect(done).toMatchObject({ state: "failed", attempt: 1 });
    expect(done.errors.map((e) => e.code)).toEqual(["timeout"]);
    expect(await rows()).toEqual([]);
    expect(completedEvents).toEqual([]);
  });

  it("stops a statement of the handler's that waits on a lock when the attempt times out, and rolls it back", async () => {
    const signup = await start();
    const holder = new pg.Client({ connectionString: parsePostgresUrl(POSTGRES_URL).connectionString });
    await holder.connect();
    try {
      await holder.query(`BEGIN; SELECT n FROM ${locks} FOR UPDATE`);
      const job = await signup.enqueue({ email: "eve@example.com", bumpLockedRow: true }, { timeoutMs: 300, maxAttempts: 1 });
      // Ends while the lock is still held: its UPDATE was cancelled, not left waiting.
      const done = await ended(errand, job.id);
      expect(done).toMatchObject({ state: "failed", attempt: 1 });
      expect(done.errors.map((e) => e.code)).toEqual(["timeout"]);
      await holder.query("COMMIT");
    } finally {
      await holder.end();
    }
    expect(await rows()).toEqual([]);
    expect(await adminQuery(`SELECT n FROM ${locks}`)).toEqual([{ n: 0 }]);
  });

  it("rolls the transaction back when the worker's shutdown grace ends inside it: the job goes back to the queue", async () => {
    const signup = await start();
    const job = await signup.enqueue({ email: "fay@example.com", waitInsideMs: 3_000 });
    await waitFor(async () => (await rows()).length === 0 && (await errand.getJob(job.id))?.state === "running", { what: "the job running" });
    await errand.close({ graceMs: 100 });
    const [stored] = await adminQuery<{ state: string; attempt: number }>(`SELECT state, attempt FROM ${jobs} WHERE id = $1`, [job.id]);
    expect(stored).toEqual({ state: "pending", attempt: 0 });
    expect(await rows()).toEqual([]);
  });
});

describe("ctx.completeInTransaction on SQLite", () => {
  it("fails the job at once with a clear error: the feature needs PostgreSQL", async () => {
    const factory = sqliteFactory();
    const errand = await Errand.connect(await factory.open(await factory.url()));
    running.push(errand);
    const job = errand.define("tx", {
      maxAttempts: 3,
      handler: async (_payload: null, ctx) => ctx.completeInTransaction(async () => "never"),
    });
    errand.work(fast);
    const done = await ended(errand, (await job.enqueue(null)).id);
    expect(done).toMatchObject({ state: "failed", attempt: 1 });
    expect(done.errors[0]).toMatchObject({ code: "unsupported_by_store" });
    expect(done.errors[0]!.message).toMatch(/not available on the sqlite store; it needs PostgreSQL/);
    expect(new UnsupportedByStoreError("x", "sqlite").code).toBe("unsupported_by_store");
  });
});
