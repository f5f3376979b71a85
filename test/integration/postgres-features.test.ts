import pg from "pg";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError, ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { openStore } from "../../src/store/connect.js";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { loadMigrations, migrate } from "../../src/store/postgres/migrate.js";
import { loadStatements } from "../../src/store/postgres/statements.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { schemaName } from "../../src/store/postgres/schema-name.js";
import { parseTimestamptz } from "../../src/store/postgres/timestamp-parser.js";
import { leaseOf } from "../../src/core/job.js";
import type { InsertedJob } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import { postgresSchemaFixtures, postgresSchemaOf } from "../helpers/schema-at-version.js";
import { adminQuery, postgresFactory, proxiedPostgresUrl } from "../helpers/postgres-factory.js";
import { postgresConnections } from "../helpers/postgres-connections.js";
import { http, startServer } from "../helpers/http-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = await postgresFactory();
// Versions this code ships, so adding a migration does not mean editing these tests.
const versions = loadMigrations(schemaName("errand")).map((m) => m.version);
const backendsOf = (applicationName: string) =>
  adminQuery<{ pid: number; query: string }>("SELECT pid, query FROM pg_stat_activity WHERE application_name = $1", [applicationName]);

(factory ? describe : describe.skip)("PostgreSQL store specifics", () => {
  const { open, client, onCleanup } = postgresConnections();

  it("reads timestamps the server writes, in any session time zone, exactly as pg's own parser does", async () => {
    const pgParser = pg.types.getTypeParser(1184, "text") as (text: string) => Date;
    const c = await client(await factory!.url());
    for (const zone of ["UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/Amsterdam", "Pacific/Kiritimati"]) {
      await c.query(`SET TimeZone = '${zone}'`);
      const { rows } = await c.query<{ t: string }>(
        `SELECT t::text FROM (VALUES (now()), ('1900-01-01 00:00:00+00'::timestamptz), ('2026-03-29 01:30:00.5+00'),
           ('infinity'), ('0044-03-15 12:00:00+00 BC')) AS v(t)`,
      );
      expect(rows).toHaveLength(5);
      for (const { t } of rows) expect(parseTimestamptz(t), `${zone}: ${t}`).toEqual(pgParser(t));
    }
  });

  it("lets several processes migrate one fresh schema at once; each migration runs once", async () => {
    const url = await factory!.url();
    const stores = await Promise.all([open(url), open(url), open(url)]);
    const applied = await adminQuery<{ version: number }>(`SELECT version FROM "${postgresSchemaOf(url)}".migrations`);
    expect(applied.map((r) => r.version)).toEqual(versions);
    await stores[0]!.insertJobs({ jobs: [newJob()] });
    expect(await stores[1]!.claimJobs({ queues: ["default"], limit: 5, workerId: "w", leaseMs: 1000 })).toHaveLength(1);
  });

  it("rejects an invalid schema name before touching the database", async () => {
    await expect(openStore(`postgres://localhost:5432/test?schema=${encodeURIComponent('x"; drop')}`)).rejects.toBeInstanceOf(ValidationError);
  });

  it("refuses a schema ?schema= names twice", async () => {
    const url = await factory!.url();
    await expect(openStore(`${url}&schema=other`)).rejects.toThrow(/names \?schema= 2 times/);
  });

  it("takes the pool's size from ?pool_size= (1-1000, once), and passes the URL's other parameters to pg", async () => {
    const url = await factory!.url();
    expect(parsePostgresUrl(`${url}&pool_size=3&application_name=mine`)).toEqual({
      connectionString: parsePostgresUrl(`${url}&application_name=mine`).connectionString,
      schema: postgresSchemaOf(url),
      maxConnections: 3,
    });
    expect(parsePostgresUrl(url)).not.toHaveProperty("maxConnections");
    for (const bad of ["0", "1001", "2.5", "ten", ""])
      expect(() => parsePostgresUrl(`${url}&pool_size=${bad}`), bad).toThrow("pool_size: must be given once, as an integer from 1 to 1000");
    expect(() => parsePostgresUrl(`${url}&pool_size=2&pool_size=3`)).toThrow(/^pool_size: must be given once/);
    // Errand's own parameters spelt another way are refused, not passed to pg, which would ignore them.
    for (const [typo, meant] of [["poolsize", "pool_size"], ["poolSize", "pool_size"], ["pool-size", "pool_size"], ["Schema", "schema"]])
      expect(() => parsePostgresUrl(`${url}&${typo}=3`), typo).toThrow(`database: the URL's ?${typo}= is not a parameter; did you mean ?${meant}=`);
    // The store opens no more than that many connections, however many statements wait.
    const store = await open(`${url}&pool_size=2`);
    await store.insertJobs({ jobs: [newJob()] });
    const schema = postgresSchemaOf(url);
    await Promise.all(Array.from({ length: 20 }, () => store.listJobs({ limit: 10 })));
    // The connections it opened are still there, idle.
    const [{ n }] = (await adminQuery<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
      [`errand:${schema}`],
    )) as [{ n: number }];
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(2);
  });

  it("says that every pooled connection stayed in use, not that the server is unavailable, when a statement waits too long for one", async () => {
    const url = await factory!.url();
    const store = await PostgresStore.open({ ...parsePostgresUrl(url), maxConnections: 1, connectionTimeoutMs: 200 });
    onCleanup(() => store.close());
    const [job] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w", leaseMs: 30_000 }).then(async (none) => {
      expect(none).toEqual([]);
      await store.insertJobs({ jobs: [newJob()] });
      return store.claimJobs({ queues: ["default"], limit: 1, workerId: "w", leaseMs: 30_000 });
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // A handler's transaction holding the only connection.
    const holding = store.completeJobInTransaction({ lease: leaseOf(job!), work: async () => (await held, null) });
    const error = await store.listJobs({ limit: 1 }).then(() => null, (e: unknown) => e);
    release();
    expect(await holding).toBe(true);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/: all 1 of this process's connections stayed in use while a statement waited for one \(raise \?pool_size=.*; or the server stopped answering the statements on them: a partition or a hung server\)$/);
  });

  it("gives up a migration's table lock that an open transaction holds, so the fleet's statements are not queued behind it, and tries again", async () => {
    const url = await factory!.url();
    const schema = schemaName(postgresSchemaOf(url));
    await postgresSchemaFixtures.migrateTo(url, versions.at(-2)!);
    // An application's transaction that read the tables (the last migration alters one of them) and stays open.
    const holder = await client(url);
    await holder.query("BEGIN");
    await holder.query(`SELECT (SELECT count(*) FROM "${schema.name}".jobs), (SELECT count(*) FROM "${schema.name}".flows)`);
    const migrator = await client(url);
    const waits = { lockTimeoutMs: 200, retryDelaysMs: [100, 100] };
    const migrating = migrate(migrator, schema, loadStatements(schema), waits).then(() => null, (e: unknown) => e as Error);
    // A running process's statement: without the lock timeout it waited behind the migration's ALTER, as long as the holder stayed open.
    const reader = await client(url);
    await new Promise((r) => setTimeout(r, 50));
    await reader.query(`SELECT (SELECT count(*) FROM "${schema.name}".jobs), (SELECT count(*) FROM "${schema.name}".flows)`);
    const error = await migrating;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error?.message).toMatch(/a table's lock stayed held by another transaction through 3 tries of 200 ms .* nothing was changed$/);
    expect(await postgresSchemaFixtures.versions(url)).toEqual(versions.slice(0, -1));
    // Once the transaction ends, a try goes through.
    const retrying = migrate(migrator, schema, loadStatements(schema), { lockTimeoutMs: 200, retryDelaysMs: [300, 300, 300] });
    await holder.query("COMMIT");
    expect((await retrying).applied).toEqual([loadMigrations(schema).at(-1)!.name]);
  });

  it("refuses a schema holding another application's tables, and leaves it as it was", async () => {
    const tables = async (schema: string) =>
      (await adminQuery<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1", [schema])).map((r) => r.t);
    // Their own migrations table, as a shared `public` often has.
    const theirMigrations = await factory!.url();
    await adminQuery(`CREATE SCHEMA "${postgresSchemaOf(theirMigrations)}"`);
    await adminQuery(`CREATE TABLE "${postgresSchemaOf(theirMigrations)}".migrations (id serial PRIMARY KEY, file text)`);
    const refusal = openStore(theirMigrations);
    await expect(refusal).rejects.toBeInstanceOf(ValidationError);
    await expect(refusal).rejects.toThrow(/holds tables that are not Errand's.*schema of its own/);
    expect(await tables(postgresSchemaOf(theirMigrations))).toEqual(["migrations"]);
    // A table whose name Errand's first migration would create.
    const theirJobs = await factory!.url();
    await adminQuery(`CREATE SCHEMA "${postgresSchemaOf(theirJobs)}"`);
    await adminQuery(`CREATE TABLE "${postgresSchemaOf(theirJobs)}".jobs (id serial PRIMARY KEY)`);
    await expect(openStore(theirJobs)).rejects.toThrow(/holds tables that are not Errand's/);
    expect(await tables(postgresSchemaOf(theirJobs))).toEqual(["jobs"]);
    // A migrations table with columns like Errand's: empty, or recording their own migrations.
    const lookalike = (url: string) => `"${postgresSchemaOf(url)}".migrations`;
    for (const rows of [0, 2, 20]) {
      const theirs = await factory!.url();
      await adminQuery(`CREATE SCHEMA "${postgresSchemaOf(theirs)}"`);
      await adminQuery(`CREATE TABLE ${lookalike(theirs)} (version integer PRIMARY KEY, name text NOT NULL)`);
      for (let v = 1; v <= rows; v++) await adminQuery(`INSERT INTO ${lookalike(theirs)} VALUES ($1, $2)`, [v, `create_users_${v}`]);
      await expect(openStore(theirs), `${rows} rows`).rejects.toThrow(/holds tables that are not Errand's.*schema of its own/);
      expect(await tables(postgresSchemaOf(theirs))).toEqual(["migrations"]);
      expect((await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM ${lookalike(theirs)}`))[0]!.n).toBe(rows);
    }
    // Errand's very columns, recording their own timestamp-numbered migrations: not "a newer Errand's schema".
    const stamped = await factory!.url();
    await adminQuery(`CREATE SCHEMA "${postgresSchemaOf(stamped)}"`);
    await adminQuery(`CREATE TABLE ${lookalike(stamped)} (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz)`);
    await adminQuery(`INSERT INTO ${lookalike(stamped)} VALUES (20240102120000, 'create_users', now())`);
    await expect(openStore(stamped)).rejects.toThrow(/holds tables that are not Errand's \(its migrations table starts at version 20240102120000, where Errand's start at 1\)/);
    expect(await tables(postgresSchemaOf(stamped))).toEqual(["migrations"]);
  });

  it("matches every returned row to its input in a mixed batch of new and duplicate keys", async () => {
    const store = await open(await factory!.url());
    await store.insertJobs({ jobs: [newJob({ idempotencyKey: "old-1", payload: '"old"' })] });
    const inputs = Array.from({ length: 300 }, (_, i) =>
      newJob({ payload: JSON.stringify({ i }), idempotencyKey: i % 7 === 0 ? `old-${i % 2}` : i % 5 === 0 ? `new-${i % 3}` : null }),
    );
    const results = await store.insertJobs({ jobs: inputs });
    const firstOfKey = new Map<string, string>();
    results.forEach(({ job, created }, i) => {
      const key = inputs[i]!.idempotencyKey;
      expect(job.idempotencyKey).toBe(key);
      if (created) expect(job.payload).toEqual(JSON.parse(inputs[i]!.payload));
      if (key === "old-1") expect({ created, payload: job.payload }).toEqual({ created: false, payload: "old" });
      if (key !== null) {
        if (!firstOfKey.has(key)) firstOfKey.set(key, job.id);
        expect(job.id).toBe(firstOfKey.get(key));
      }
    });
    expect(results.filter((r) => r.created)).toHaveLength(300 - results.filter((r) => !r.created).length);
    expect(new Set(results.filter((r) => r.created).map((r) => r.job.id)).size).toBe(results.filter((r) => r.created).length);
  });

  it("answers each input with its own row, whether the batch's ids come out consecutive or not", async () => {
    const url = await factory!.url();
    const store = await open(url);
    const schema = parsePostgresUrl(url).schema;
    await store.insertJobs({ jobs: [newJob({ idempotencyKey: "taken", payload: '"old"' })] });
    const batch = () => [
      newJob({ payload: '{"i":0}' }),
      newJob({ payload: '{"i":1}', delayMs: 60_000 }),
      newJob({ payload: '{"i":2}', idempotencyKey: "taken" }),
      newJob({ payload: '{"i":3}', type: "other", queue: "q2" }),
    ];
    const expectRowsMatch = async (results: InsertedJob[]) => {
      expect(results.map((r) => [r.created, r.job.state])).toEqual([[true, "pending"], [true, "scheduled"], [false, "pending"], [true, "pending"]]);
      for (const { job } of results) expect(await store.getJob({ id: job.id })).toMatchObject({ id: job.id, payload: job.payload, state: job.state });
    };
    // One batch alone: its ids are drawn one after another (the short answer).
    await expectRowsMatch(await store.insertJobs({ jobs: batch() }));
    // Ids three apart, as when other batches draw ids between this one's: each id listed.
    await adminQuery(`ALTER SEQUENCE "${schema}".jobs_id_seq INCREMENT BY 3`);
    const spread = await store.insertJobs({ jobs: batch() });
    await expectRowsMatch(spread);
    expect(Number(spread[3]!.job.id) - Number(spread[0]!.job.id)).toBe(9);
  });

  it("enqueues batches that share idempotency keys, listed in opposite orders, at once without a deadlock", async () => {
    const url = await factory!.url();
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(url)));
    for (let round = 0; round < 10; round++) {
      const keys = Array.from({ length: 40 }, (_, i) => `r${round}-k${i}`);
      const results = await Promise.all(
        stores.map((s, i) => s.insertJobs({ jobs: (i % 2 === 0 ? keys : [...keys].reverse()).map((k) => newJob({ idempotencyKey: k })) })),
      );
      // One job per key, whichever batch created it, and every batch sees that job.
      const idOf = new Map(results[0]!.map((r) => [r.job.idempotencyKey, r.job.id]));
      expect(idOf.size).toBe(40);
      for (const batch of results) for (const { job } of batch) expect(job.id).toBe(idOf.get(job.idempotencyKey));
      expect(results.flat().filter((r) => r.created)).toHaveLength(40);
    }
  });

  it("completes a batch holding one job twice with its rows locked in id order first, as one statement would", async () => {
    // Such a batch takes two statements (one entry per job each), in one transaction. Were the
    // second to lock the lower id after the first locked a higher one, it could deadlock with a
    // flow cancel, which locks in id order. Flow nodes: their completions settle the flow in
    // the same transaction.
    const url = await factory!.url();
    const store = await open(url);
    await store.insertJobs({ jobs: [newJob({ flowId: "7", flowNode: "a" }), newJob({ flowId: "7", flowNode: "b" })] });
    const first = await store.claimJobs({ queues: ["default"], limit: 2, workerId: "w1", leaseMs: 30_000 });
    await store.releaseJobs({ leases: first.map(leaseOf) });
    const [x, y] = await store.claimJobs({ queues: ["default"], limit: 2, workerId: "w2", leaseMs: 30_000 });
    const jobs = `"${postgresSchemaOf(url)}".jobs`;
    const holder = await client(url);
    const prober = await client(url);
    await holder.query("BEGIN");
    await holder.query(`SELECT id FROM ${jobs} WHERE id = $1 FOR UPDATE`, [x!.id]);
    const completing = store.completeJobs({
      completions: [
        { lease: { ...leaseOf(x!), workerId: "w1" }, result: null }, // the zombie's, beside the run that replaced it
        { lease: leaseOf(y!), result: null },
        { lease: leaseOf(x!), result: null },
      ],
    });
    await new Promise((r) => setTimeout(r, 300)); // the completion now waits for x
    await prober.query("BEGIN");
    // Nothing may be locked past x while x is still awaited.
    await expect(prober.query(`SELECT id FROM ${jobs} WHERE id = $1 FOR UPDATE NOWAIT`, [y!.id])).resolves.toBeDefined();
    await prober.query("ROLLBACK");
    await holder.query("ROLLBACK");
    expect(await completing).toEqual([false, true, true]);
  });

  it("leaves half the pool to heartbeats and claims while failures wait to be written", async () => {
    const url = await factory!.url();
    const store = await PostgresStore.open({ ...parsePostgresUrl(url), maxConnections: 2, connectionTimeoutMs: 1_000 });
    onCleanup(() => store.close());
    await store.insertJobs({ jobs: [newJob(), newJob(), newJob()] });
    const [a, b, c] = await store.claimJobs({ queues: ["default"], limit: 3, workerId: "w", leaseMs: 30_000 });
    const holder = await client(url);
    await holder.query("BEGIN");
    await holder.query(`SELECT id FROM "${postgresSchemaOf(url)}".jobs WHERE id = ANY($1::bigint[]) FOR UPDATE`, [[a!.id, b!.id]]);
    const error = { message: "boom", code: null, stack: null };
    // Both wait for the holder's locks; only one may hold a connection meanwhile.
    const failing = [a!, b!].map((job) => store.failJob({ lease: leaseOf(job), error, retryDelayMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await store.extendLeases({ leases: [leaseOf(c!)], leaseMs: 30_000 })).toEqual([c!.id]);
    await holder.query("ROLLBACK");
    expect((await Promise.all(failing)).map((job) => job?.state)).toEqual(["retrying", "retrying"]);
  });

  it("an enqueue waiting for a key another transaction holds uncommitted holds up no other enqueue of the process", async () => {
    const url = await factory!.url();
    const errand = await Errand.connect(await open(url));
    const welcome = errand.define<{ to: string }, void>("welcome");
    const tx = await client(url);
    await tx.query("BEGIN");
    const held = await welcome.enqueue({ to: "a@b.c" }, { tx, idempotencyKey: "welcome-a" });
    // "Resend welcome" from another request: waits for the transaction to end, as it must.
    const resend = welcome.enqueue({ to: "a@b.c" }, { idempotencyKey: "welcome-a" });
    await new Promise((r) => setTimeout(r, 100)); // its insert is under way, waiting on the key
    const within = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<"still waiting">((r) => setTimeout(() => r("still waiting"), 3_000))]);
    // The transaction itself awaits other enqueues (an audit job) before it commits: they go
    // through, keyless or keyed, rather than wait behind the resend for good.
    expect(await within(welcome.enqueue({ to: "audit" }))).toMatchObject({ state: "pending" });
    expect(await within(welcome.enqueue({ to: "audit" }, { idempotencyKey: "audit-a" }))).toMatchObject({ state: "pending" });
    expect(await within(errand.enqueueMany([welcome.request({ to: "x" }), welcome.request({ to: "y" })]))).toHaveLength(2);
    await tx.query("COMMIT");
    expect(await resend).toMatchObject({ id: held.id });
  });

  it("a keyed enqueue waiting for a key another transaction holds keeps no idle worker of its process from other jobs", async () => {
    const url = await factory!.url();
    const errand = await Errand.connect(await open(url));
    const other = await Errand.connect(await open(url));
    onCleanup(() => other.close());
    const ran: string[] = [];
    const welcome = errand.define("welcome", { handler: async (p: { to: string }) => void ran.push(p.to) });
    const worker = errand.work({ pollIntervalMs: 600_000 });
    onCleanup(() => errand.close({ graceMs: 0 }));
    await waitFor(() => worker.idle, { what: "the worker idle" });
    const tx = await client(url);
    await tx.query("BEGIN");
    const held = await other.enqueue("welcome", { to: "a@b.c" }, { tx, idempotencyKey: "welcome-a" });
    // Enqueued where an idle worker would take it on insert: it must not hold that worker's slot while it waits.
    const resend = welcome.enqueue({ to: "a@b.c" }, { idempotencyKey: "welcome-a" });
    await new Promise((r) => setTimeout(r, 100)); // its insert is under way, waiting on the key
    await other.enqueue("welcome", { to: "someone else" });
    await waitFor(() => ran.includes("someone else"), { what: "the other job to run while the transaction is open", timeoutMs: 3_000 });
    await tx.query("COMMIT");
    expect(await resend).toMatchObject({ id: held.id });
  });

  it("enqueues inside the caller's transaction: rollback leaves no job, commit makes it run", async () => {
    const url = await factory!.url();
    const store = await open(url);
    const errand = await Errand.connect(store);
    const heard: (string | null)[] = [];
    onCleanup(await store.subscribeToNewJobs((q) => heard.push(q)));
    const email = errand.define<{ to: string }, void>("send-email", { queue: "mail" });
    const tx = await client(url);

    await tx.query("BEGIN");
    const rolledBack = await email.enqueue({ to: "a@b.c" }, { tx });
    expect(rolledBack.state).toBe("pending");
    expect(await errand.getJob(rolledBack.id)).toBeNull(); // not visible outside the transaction
    await tx.query("ROLLBACK");
    expect(await errand.getJob(rolledBack.id)).toBeNull();

    await tx.query("BEGIN");
    await tx.query("CREATE TEMP TABLE users (email text)");
    await tx.query("INSERT INTO users VALUES ('a@b.c')");
    const committed = await email.enqueue({ to: "a@b.c" }, { tx });
    await tx.query("COMMIT");
    expect(await errand.getJob(committed.id)).toMatchObject({ state: "pending", queue: "mail", payload: { to: "a@b.c" } });
    // A Pool in place of the transaction's client would run the insert outside the transaction.
    const pool = new pg.Pool({ connectionString: parsePostgresUrl(url).connectionString });
    onCleanup(() => pool.end());
    await expect(email.enqueue({ to: "a@b.c" }, { tx: pool })).rejects.toThrow(/^tx: must be the pg client your transaction runs on .*not a Pool/);
    await expect(errand.enqueueMany([email.request({ to: "a@b.c" })], { tx: pool })).rejects.toMatchObject({ field: "tx" });
    // A client of another database (here: another schema on its search path, as good as absent).
    const elsewhere = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString.replace(/\/test(\?|$)/, "/postgres$1") });
    await elsewhere.connect();
    onCleanup(() => elsewhere.end());
    await elsewhere.query("BEGIN");
    await expect(email.enqueue({ to: "a@b.c" }, { tx: elsewhere })).rejects.toMatchObject({
      code: "invalid_input",
      field: "tx",
      message: expect.stringMatching(/^tx: its connection finds no Errand schema ".*\): is it a client of the database Errand uses\?$/),
    });
    await waitFor(() => heard.includes("mail"), { what: "the commit's notice" });
    expect(heard).toEqual(["mail"]); // the rolled-back enqueue announced nothing
  });

  it("enqueues inside a caller's transaction whose client reads timestamps as text, a duplicate key included", async () => {
    const url = await factory!.url();
    const errand = await Errand.connect(await open(url));
    const email = errand.define<{ to: string }, void>("send-email", { queue: "mail" });
    // An application's own pg setup, e.g. pg.types.setTypeParser(1184, (text) => text).
    const tx = new pg.Client({
      connectionString: parsePostgresUrl(url).connectionString,
      types: { getTypeParser: (oid: number, format?: "text" | "binary") => (oid === 1184 ? (text: string) => text : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig,
    });
    await tx.connect();
    onCleanup(() => tx.end());
    await tx.query("BEGIN");
    const now = await email.enqueue({ to: "a@b.c" }, { tx });
    const later = await email.enqueue({ to: "d@e.f" }, { tx, delayMs: 60_000, idempotencyKey: "welcome-d" });
    // A duplicate key comes back as the existing job, read whole on the caller's connection.
    const again = await email.enqueue({ to: "d@e.f" }, { tx, idempotencyKey: "welcome-d" });
    await tx.query("COMMIT");
    expect(again).toEqual(later);
    expect(now.createdAt).toBeInstanceOf(Date);
    expect(later.runAt.getTime() - later.createdAt.getTime()).toBe(60_000);
    expect(await errand.getJob(now.id)).toEqual(now);
    expect(await errand.getJob(later.id)).toEqual(later);
  });

  it("enqueueMany inside the caller's transaction, given to it or to each request: rollback leaves none, commit all", async () => {
    const url = await factory!.url();
    const errand = await Errand.connect(await open(url));
    const email = errand.define<{ n: number }, void>("send-email", { queue: "mail" });
    const tx = await client(url);
    const count = async () => (await errand.listJobs()).jobs.length;

    await tx.query("BEGIN");
    await errand.enqueueMany([email.request({ n: 1 }), email.request({ n: 2 })], { tx });
    await errand.enqueueMany([email.request({ n: 3 }, { tx }), email.request({ n: 4 }, { tx })]);
    expect(await count()).toBe(0); // not visible outside the transaction
    await tx.query("ROLLBACK");
    expect(await count()).toBe(0);

    await tx.query("BEGIN");
    const jobs = await errand.enqueueMany([email.request({ n: 5 }, { tx }), email.request({ n: 6 })], { tx });
    await tx.query("COMMIT");
    expect(jobs.map((j) => j.payload)).toEqual([{ n: 5 }, { n: 6 }]);
    expect((await errand.listJobs()).jobs.map((j) => [j.id, j.payload])).toEqual(jobs.map((j) => [j.id, j.payload]).reverse());

    // All or none takes one transaction: requests naming another, or leaving it out, are refused.
    const other = await client(url);
    await tx.query("BEGIN");
    await expect(errand.enqueueMany([email.request({ n: 7 }, { tx }), email.request({ n: 8 })])).rejects.toMatchObject({ field: "[1].tx" });
    await expect(errand.enqueueMany([email.request({ n: 7 }), email.request({ n: 8 }, { tx })])).rejects.toMatchObject({ field: "[1].tx" });
    await expect(errand.enqueueMany([email.request({ n: 7 }, { tx: other })], { tx })).rejects.toMatchObject({ field: "[0].tx" });
    await expect(errand.enqueueMany([email.request({ n: 7 })], { tx, dealy: 1 } as never)).rejects.toMatchObject({ field: "dealy" });
    await tx.query("COMMIT");
    expect(await count()).toBe(2);
  });

  it("refuses a transaction on the SQLite store instead of ignoring it", async () => {
    const errand = await Errand.connect(`sqlite:${tempDir()}/e.db`);
    onCleanup(() => errand.close());
    const fakeTx = { query: async () => ({ rows: [] }) };
    await expect(errand.enqueue("t", {}, { tx: fakeTx })).rejects.toBeInstanceOf(ValidationError);
    const def = errand.define("t", {});
    await expect(errand.enqueueMany([def.request({})], { tx: fakeTx })).rejects.toMatchObject({ field: "tx" });
    await expect(errand.enqueueMany([def.request({}, { tx: fakeTx })])).rejects.toMatchObject({ field: "tx" });
    expect((await errand.listJobs()).jobs).toEqual([]);
  });

  it("wakes listeners on new jobs, and re-establishes a killed listening connection", async () => {
    const url = await factory!.url();
    const [listening, producer] = [await open(url), await open(url)];
    const heard: (string | null)[] = [];
    onCleanup(await listening.subscribeToNewJobs((q) => heard.push(q)));
    await producer.insertJobs({ jobs: [newJob({ queue: "before" }), newJob({ queue: "later", delayMs: 60_000 })] });
    await waitFor(() => heard.includes("before"), { what: "notice before the kill" });
    expect(heard).toEqual(["before"]); // a job that is not runnable yet wakes no one

    const name = `errand-listener:${postgresSchemaOf(url)}`;
    const [killed] = await backendsOf(name);
    await adminQuery("SELECT pg_terminate_backend($1)", [killed!.pid]);
    // null: the listener tells subscribers it may have missed notices, once it listens again.
    await waitFor(() => heard.includes(null), { what: "the listener to reconnect" });
    const [replacement] = await backendsOf(name);
    expect(replacement!.pid).not.toBe(killed!.pid);

    await producer.insertJobs({ jobs: [newJob({ queue: "after" })] });
    await waitFor(() => heard.includes("after"), { what: "notice after the reconnect" });
  });

  it("logs a dropped connection nobody was waiting on, naming where it came from", async () => {
    const url = await factory!.url();
    const logged: { level: number; source?: string; msg: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const errand = await Errand.connect(url, { logger });
    onCleanup(() => errand.close({ graceMs: 0 }));
    errand.work({ pollIntervalMs: 60_000 });
    const listener = `errand-listener:${postgresSchemaOf(url)}`;
    await waitFor(async () => (await backendsOf(listener)).some((b) => b.query.startsWith("LISTEN")), { what: "the worker to listen" });
    expect(logged).toEqual([]);
    await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [listener]);
    await waitFor(() => logged.some((l) => l.source === "listener"), { what: "the listener's loss to be logged" });
    expect(logged.find((l) => l.source === "listener")).toMatchObject({ level: 40, msg: expect.stringContaining("recovering by itself") });
    // Idle pooled connections are heard too: the pool drops them and opens new ones. Killed
    // until one was idle on our side as well (the worker's loops check connections out).
    let killed = 0;
    await waitFor(
      async () => {
        if (logged.some((l) => l.source === "idle connection")) return true;
        const rows = await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'", [
          `errand:${postgresSchemaOf(url)}`,
        ]);
        killed += rows.length;
        return false;
      },
      { what: "an idle connection's loss to be logged" },
    );
    // Once each, as what it was: a connection once used for a transaction (the migration's) is
    // idle now, not a "transaction connection".
    expect(logged.filter((l) => l.source === "idle connection").length).toBeLessThanOrEqual(killed);
    expect(logged.filter((l) => l.source === "transaction connection")).toEqual([]);
    // The error alone: not the pg client pg-pool hangs on it (its settings, prepared statements,
    // the backend's cancel key), several kilobytes a line.
    const idle = logged.find((l) => l.source === "idle connection") as unknown as { err: Record<string, unknown> };
    expect(idle.err).not.toHaveProperty("client");
    expect(JSON.stringify(idle).length).toBeLessThan(2_000);
  });

  it("a worker wakes at once for a job another process enqueued, long before its next poll", async () => {
    const url = await factory!.url();
    const worker = await Errand.connect(await open(url));
    const producer = await Errand.connect(await open(url));
    worker.define("ping", { handler: async () => "pong" });
    worker.work({ pollIntervalMs: 60_000 });
    onCleanup(() => worker.close({ graceMs: 0 }));
    await waitFor(async () => (await backendsOf(`errand-listener:${postgresSchemaOf(url)}`)).some((b) => b.query.startsWith("LISTEN")), {
      what: "the worker to listen",
    });
    const job = await producer.enqueue("ping", {});
    await waitFor(async () => (await producer.getJob(job.id))?.state === "completed", { timeoutMs: 5_000, what: "the job to run" });
  });

  it("a connection ended by the server as the pool hands it out (its backend terminated as its session began) fails its call, not the process", async () => {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    onCleanup(() => proxy.shut());
    const store = await open(url);
    // From now on each new connection's first ReadyForQuery comes in one packet with FATAL 57P01:
    // pg emits that error between the pool handing the connection out and pool.connect() resolving.
    proxy.terminateOnReady();
    const calls = await Promise.allSettled(Array.from({ length: 3 }, () => store.getFlow({ id: "1" })));
    const refused = calls.filter((c) => c.status === "rejected").map((c) => (c as PromiseRejectedResult).reason as Error);
    expect(refused.length).toBeGreaterThan(0); // the pool opened new connections for all but one
    for (const error of refused) expect(error).toBeInstanceOf(StoreUnavailableError);
    proxy.accept();
    expect(await store.getFlow({ id: "1" })).toBeNull();
  });

  it("a flow whose commit's reply is lost says it may have been written; one whose connection goes before its commit, that nothing was", async () => {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    onCleanup(() => proxy.shut());
    const errand = await Errand.connect(await open(url));
    // One node: a flow's several nodes go in a statement planned per call, whose text (sent each time) says COMMIT.
    const flow = () => errand.enqueueFlow({ a: { job: { type: "x", payload: {} } } });
    const count = async () => Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM "${postgresSchemaOf(url)}".jobs`))[0]!.n);
    proxy.deafenAfter("COMMIT");
    const lost = flow();
    await waitFor(async () => (await count()) === 1, { what: "the flow committed" });
    proxy.refuse(); // the connection goes; its commit's reply never came
    const unknown = (await lost.then(() => null, (e: unknown) => e)) as StoreUnavailableError;
    expect(unknown).toBeInstanceOf(StoreUnavailableError);
    expect(unknown).toMatchObject({ outcome: "unknown", message: expect.stringMatching(/may have committed: look before trying again$/) });
    expect(unknown.message.match(/is unavailable/g)).toHaveLength(1); // said once, not wrapped in itself
    proxy.accept();
    // Cut before its COMMIT: the server rolls it back.
    proxy.deafenAfter("flows DEFAULT VALUES");
    const rolledBack = flow();
    await new Promise((r) => setTimeout(r, 200));
    proxy.refuse();
    expect(await rolledBack.then(() => null, (e: unknown) => e)).toMatchObject({ outcome: "not_written", message: expect.stringMatching(/nothing was written/) });
    proxy.accept();
    expect(await count()).toBe(1);
  });

  it("GET /readyz answers 503 while the store hangs (a partition), rather than hang with it", async () => {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    const server = await startServer(factory!, { worker: false, databaseUrl: url });
    onCleanup(async () => {
      await proxy.shut(); // the hung connections fail, so the server can close
      await server.close();
    });
    expect((await http(server.url, "GET", "/readyz")).status).toBe(200);
    proxy.freeze();
    const res = await http<{ error: { code: string; message: string } }>(server.url, "GET", "/readyz");
    expect([res.status, res.body.error.code]).toEqual([503, "store_unavailable"]);
  });

  it("survives its connections being killed, and reports an unreachable server as StoreUnavailableError", async () => {
    const url = await factory!.url();
    const store = await open(url);
    const [{ job }] = (await store.insertJobs({ jobs: [newJob()] })) as [InsertedJob];
    await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`errand:${postgresSchemaOf(url)}`]);
    const errors: unknown[] = [];
    await waitFor(async () => {
      try {
        return await store.getJob({ id: job.id });
      } catch (error) {
        errors.push(error);
        return null;
      }
    }, { what: "the store to reconnect" });
    for (const error of errors) expect(error).toBeInstanceOf(StoreUnavailableError);

    const unreachable = openStore("postgres://localhost:1/test");
    await expect(unreachable).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(unreachable).rejects.toThrow(/PostgreSQL at localhost:1\/test is unavailable/);
  });
});
