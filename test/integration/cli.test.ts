import Database from "better-sqlite3";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, Socket, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { BatchSummary } from "../../src/core/batch.js";
import { CRON_FORM } from "../../src/core/cron.js";
import { JOB_STATES } from "../../src/core/states.js";
import { Errand } from "../../src/errand.js";
import { adminQuery, postgresFactory, proxiedPostgresUrl } from "../helpers/postgres-factory.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const HANDLERS = new URL("../fixtures/cli-handlers.mjs", import.meta.url).pathname;
const run = promisify(execFile);

async function errand(args: string[], env: Record<string, string>) {
  try {
    // A command that hangs (a demo whose jobs another worker took) is killed before the test times out (30 s), not left running.
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 25_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `errand work <args>` as a child process: its exit code, and what it has written to stderr so far. */
function startWork(args: string[], env: Record<string, string>) {
  return startCommand("work", args, env);
}

/** `errand <command> <args>` run until stopped, as a child process (stdout ignored). */
function startCommand(command: "work" | "serve", args: string[], env: Record<string, string>) {
  const worker = spawn(process.execPath, [CLI, command, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  worker.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
  return { worker, exited, stderr: () => stderr };
}

// Awaited here, at collection: the factory registers the afterAll that drops its schemas, which a
// hook added once tests run would not (the schema `errand migrate` makes below was left behind).
const postgres = await postgresFactory();

// Tests here run a dozen or more CLI processes in turn, each a second or more of start-up on a
// loaded 2-core machine: 30 s was seen to run out while the machine was busy with other work.
describe("errand CLI", { timeout: 90_000 }, () => {
  const dir = tempDir();

  it("enqueues, works with a handlers module, shows, and drains on SIGTERM", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "cli.db")}` };
    const enqueued = await errand(["enqueue", "greet", "--payload", '{"name":"Ada"}', "--json"], env);
    expect(enqueued.code).toBe(0);
    const id = JSON.parse(enqueued.stdout).id as string;
    const lingering = JSON.parse((await errand(["enqueue", "linger", "--payload", '{"ms":2500}', "--json"], env)).stdout).id;

    const worker = spawn(process.execPath, [CLI, "work", "--handlers", HANDLERS, "--concurrency", "2"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
    let stderr = "";
    worker.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // Poll through the library (a CLI call per poll would be slower than the job).
    const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
    try {
      await waitFor(async () => (await observer.getJob(lingering))?.state === "running", { what: "linger job running" });
      worker.kill("SIGTERM"); // must let the running job finish, then exit 0
      expect(await exited).toBe(0);
    } finally {
      worker.kill("SIGKILL");
      await observer.close();
    }
    // Its log is its job lines, at info by default as serve's is.
    const jobLines = stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { msg: string; jobId?: string });
    expect(jobLines.filter((l) => l.jobId === id).map((l) => l.msg)).toEqual(["job started", "job completed"]);
    const shown = JSON.parse((await errand(["jobs", "show", id, "--json"], env)).stdout);
    // Read by a person: with what leads to the job's log lines and its worker.
    const readable = (await errand(["jobs", "show", id], env)).stdout;
    expect(readable).toContain(`  started:  ${shown.started_at}\n  finished: ${shown.finished_at}\n  worker:   ${shown.worker_id}\n`);
    // A job that had ended already: its summary line, with no bar drawing progress never followed.
    const waited = await errand(["wait", id], env);
    expect(waited).toMatchObject({ code: 0, stderr: `${readable.split("\n")[0]}\n` });
    expect(shown).toMatchObject({ state: "completed", result: { greeting: "hello Ada" }, progress: 100 });
    expect(JSON.parse((await errand(["jobs", "show", lingering, "--json"], env)).stdout).state).toBe("completed");
    const queues = JSON.parse((await errand(["queues", "--json"], env)).stdout);
    // --json prints what the HTTP API answers (GET /v1/queues, GET /v1/jobs/:id).
    expect(queues).toEqual({ queues: [{ name: "default", counts: expect.objectContaining({ completed: 2 }), paused: false }] });
    expect(shown).toMatchObject({ max_attempts: expect.any(Number), created_at: expect.any(String), finished_at: expect.any(String) });
    const listed = JSON.parse((await errand(["jobs", "list", "--state", "completed", "--json"], env)).stdout);
    expect(listed).toEqual({ jobs: [expect.objectContaining({ id: lingering, max_attempts: expect.any(Number) }), expect.objectContaining({ id })], next_cursor: null });
  });

  it("a listener that cannot bind names the flags that chose where, and exits 2", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "listen.db")}` };
      const producer = await Errand.connect(env.ERRAND_DATABASE_URL);
      const waiting = await producer.enqueue("greet", { name: "Ada" });
      const serve = await errand(["serve", "--handlers", HANDLERS, "-p", String(port)], env);
      expect(serve).toMatchObject({ code: 2, stderr: expect.stringContaining(`errand: --host/--port: cannot listen on 127.0.0.1:${port}: the port is taken (another process listens on it)`) });
      // A server that could not start ran nothing: the job waits, no attempt used.
      expect(await producer.getJob(waiting.id)).toMatchObject({ state: "pending", attempt: 0 });
      await producer.close();
      const work = await errand(["work", "--handlers", HANDLERS, "--metrics-port", String(port)], env);
      expect(work).toMatchObject({ code: 2, stderr: expect.stringContaining(`errand: --metrics-host/--metrics-port: cannot listen on 127.0.0.1:${port}: the port is taken (another process listens on it)`) });
    } finally {
      taken.close();
    }
  });

  it("output cut short by its reader (| head -1) ends the command quietly, exit 0, no stack trace", async () => {
    const database = `sqlite:${join(dir, "piped.db")}`;
    const producer = await Errand.connect(database);
    // More than a pipe's buffer (64 KiB) of lines, so the command is still writing when the reader goes.
    await producer.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ type: "noop", payload: { padding: "x".repeat(100), i } })));
    await producer.close();
    const child = spawn(process.execPath, [CLI, "jobs", "list", "-n", "1000", "--json", "-d", database], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.once("data", () => child.stdout.destroy()); // read one chunk, then go away, as head does
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  });

  it("enqueue with an idempotency key already held prints the job holding it, and says on stderr that nothing new was enqueued", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "keyed.db")}` };
    const keyed = await errand(["enqueue", "greet", "--idempotency-key", "k1", "--json"], env);
    expect(keyed).toMatchObject({ code: 0, stderr: "" });
    const again = await errand(["enqueue", "greet", "--idempotency-key", "k1", "--json"], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).id).toBe(JSON.parse(keyed.stdout).id);
    expect(again.stderr).toBe(`errand: idempotency key "k1" is held by job ${JSON.parse(keyed.stdout).id}: nothing new enqueued\n`);
  });

  it("work warns of a --queues queue no type with a handler goes to (a typo left the real one unworked); serve says the same", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "typo.db")}` };
    const warning = `errand: warning: no job type with a handler here is defined in "mial" (they are in "default"); jobs there run here only if their type has a handler here, and fail with "no handler" otherwise\n`;
    const { worker, exited, stderr } = startWork(["--handlers", HANDLERS, "--queues", "default,mial"], env);
    try {
      await waitFor(() => stderr().includes(warning), { what: "the warning" });
      worker.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      worker.kill("SIGKILL");
    }
    const fine = startWork(["--handlers", HANDLERS], env);
    try {
      await waitFor(() => fine.stderr().includes("SIGTERM drains"), { what: "the worker started" });
      fine.worker.kill("SIGTERM");
      expect(await fine.exited).toBe(0);
      expect(fine.stderr()).not.toContain("warning");
    } finally {
      fine.worker.kill("SIGKILL");
    }
  });

  it("a drained worker or server exits 0 although its handlers module holds the process open, and a handler that ignored its signal ends with it", async () => {
    const handlers = new URL("../fixtures/open-handle-handlers.mjs", import.meta.url).pathname;
    for (const [command, ...flags] of [["work"], ["serve", "--port", "0"]] as const) {
      const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, `held-open-${command}.db`)}` };
      const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
      const { id } = await observer.enqueue("stubborn", { ms: 60_000 });
      const { worker, exited, stderr } = startCommand(command, ["--handlers", handlers, "--grace-ms", "200", ...flags], env);
      try {
        await waitFor(async () => (await observer.getJob(id))?.state === "running", { what: `the stubborn job to run (${command})` });
        worker.kill("SIGTERM");
        // Bounded by the test's timeout: the process would otherwise wait out the handler's 60 s.
        expect(await exited).toBe(0);
        expect(stderr().split("\n")).toContain("errand: stopped");
        // Handed back, attempt given back; and no longer run by the ended process.
        expect(await observer.getJob(id)).toMatchObject({ state: "pending", attempt: 0 });
      } finally {
        worker.kill("SIGKILL");
        await observer.close();
      }
      // work logs on stderr (serve on stdout): the job's lines end with what became of it.
      if (command === "work")
        expect(stderr().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { msg: string; jobId?: string })).toContainEqual(
          expect.objectContaining({ jobId: id, msg: expect.stringContaining("shutdown grace over") }),
        );
    }
  });

  it("serve stops claiming at SIGTERM and exits after its grace, though a client holds a request open unfinished", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "slow-client.db")}` };
    const { worker: server, exited, stderr } = startCommand("serve", ["--handlers", HANDLERS, "--port", "0", "--grace-ms", "500"], env);
    const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
    const slow = new Socket();
    try {
      const port = Number((await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr()), { what: "serve to listen" }))[1]);
      // A request whose body never comes.
      await new Promise<void>((resolve) => slow.connect(port, "127.0.0.1", resolve));
      slow.write("POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
      server.kill("SIGTERM");
      await waitFor(() => stderr().includes("no new requests"), { what: "the drain to begin" });
      const late = await observer.enqueue("greet", { name: "late" });
      expect(await exited).toBe(0);
      // Enqueued after the stop began: left for another worker, not taken by the stopping one.
      expect(await observer.getJob(late.id)).toMatchObject({ state: "pending", attempt: 0 });
    } finally {
      slow.destroy();
      server.kill("SIGKILL");
      await observer.close();
    }
  });

  it("a second SIGTERM stops in-flight jobs at once: they go back to their queue, and the worker exits 0", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "twice.db")}` };
    const id = JSON.parse((await errand(["enqueue", "linger", "--payload", '{"ms":60000}', "--json"], env)).stdout).id;
    const { worker, exited, stderr } = startWork(["--handlers", HANDLERS, "--grace-ms", "60000"], env);
    const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
    try {
      await waitFor(async () => (await observer.getJob(id))?.state === "running", { what: "linger job running" });
      worker.kill("SIGTERM");
      await waitFor(() => stderr().includes("finishing in-flight jobs"), { what: "the drain to begin" });
      worker.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr()).toContain("SIGTERM again: stopping in-flight jobs");
      expect(await observer.getJob(id)).toMatchObject({ state: "pending", attempt: 0 });
    } finally {
      worker.kill("SIGKILL");
      await observer.close();
    }
  });

  it("a second SIGTERM while PostgreSQL does not answer (a partition) still ends the worker: exit 1, saying so", async (ctx) => {
    if (postgres === null) return ctx.skip();
    const { url, proxy } = await proxiedPostgresUrl(postgres);
    const env = { ERRAND_DATABASE_URL: url };
    const producer = await Errand.connect(url);
    const { worker, exited, stderr } = startWork(["--handlers", HANDLERS, "--grace-ms", "60000"], env);
    try {
      const job = await producer.enqueue("linger", { ms: 60_000 });
      await waitFor(async () => (await producer.getJob(job.id))?.state === "running", { what: "linger job running" });
      proxy.freeze(); // connections stay open, and nothing on them is answered
      worker.kill("SIGTERM");
      await waitFor(() => stderr().includes("finishing in-flight jobs"), { what: "the drain to begin" });
      worker.kill("SIGTERM");
      expect(await exited).toBe(1);
      expect(stderr()).toContain("the store did not answer within 5 s; exiting without it (jobs not handed back return when their leases expire)");
    } finally {
      worker.kill("SIGKILL");
      await proxy.shut();
      await producer.close();
    }
  });

  it("work --metrics-port serves Prometheus metrics for the worker process, until SIGTERM drains it", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "metrics.db")}` };
    const { worker, exited, stderr } = startWork(["--handlers", HANDLERS, "--metrics-port", "0"], env);
    let producer: Errand | null = null;
    try {
      const url = await waitFor(() => /^errand: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(stderr())?.[1], { what: "the metrics address on stderr" });
      producer = await Errand.connect(env.ERRAND_DATABASE_URL);
      const scrape = async () => parsePrometheusText(await (await fetch(url)).text());
      expect(sampleValue(await scrape(), "errand_store_up")).toBe(1);
      await producer.enqueue("greet", { name: "Grace" });
      // The job is enqueued by another process: this worker's counters show it started and completed here.
      const samples = await waitFor(async () => {
        const now = await scrape();
        return sampleValue(now, "errand_jobs_completed_total", { queue: "default", type: "greet" }) === 1 ? now : null;
      }, { what: "errand_jobs_completed_total to show the job" });
      expect(sampleValue(samples, "errand_jobs_started_total", { queue: "default", type: "greet" })).toBe(1);
      expect(sampleValue(samples, "errand_jobs_enqueued_total", { queue: "default", type: "greet" })).toBeUndefined();
      expect(sampleValue(samples, "errand_jobs", { queue: "default", state: "completed" })).toBe(1);
      expect((await fetch(url.replace(/\/metrics$/, "/other"))).status).toBe(404);
      worker.kill("SIGTERM");
      expect(await exited).toBe(0);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      worker.kill("SIGKILL");
      await producer?.close();
    }
  });

  it("work --no-metrics-job-counts leaves the store's counts (errand_jobs, errand_store_up) out of the worker's metrics", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "metrics-no-counts.db")}` };
    const { worker, exited, stderr } = startWork(["--handlers", HANDLERS, "--metrics-port", "0", "--no-metrics-job-counts"], env);
    try {
      const url = await waitFor(() => /^errand: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(stderr())?.[1], { what: "the metrics address on stderr" });
      const samples = parsePrometheusText(await (await fetch(url)).text());
      expect(sampleValue(samples, "errand_worker_running_jobs")).toBe(0);
      expect(samples.filter((s) => s.name === "errand_jobs" || s.name === "errand_store_up")).toEqual([]);
      worker.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      worker.kill("SIGKILL");
    }
  });

  it("migrates explicitly and says what it applied; --no-migrate refuses a schema not brought up to date", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "migrate.db")}` };
    const refused = await errand(["work", "--handlers", HANDLERS, "--no-migrate"], env);
    // The hint names the store it was given (run alone, `errand migrate` would open ./errand.db).
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining(`no Errand schema yet (this Errand needs version`) });
    expect(refused.stderr).toContain(`; run \`errand migrate\` with the same --database (or ERRAND_DATABASE_URL) first (${env.ERRAND_DATABASE_URL})\n`);
    const first = await errand(["migrate"], env);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied 001_init, .+; schema was at version 0, now \d+ \(sqlite:.+migrate\.db\)\n$/) });
    const again = await errand(["migrate", "--json"], env);
    const report = JSON.parse(again.stdout);
    expect(report).toEqual({ from: report.to, to: expect.any(Number), applied: [] });
    expect(first.stdout).toContain(`now ${report.to} (`);
  });

  it("shows and cancels flows and shows batches; an unknown id exits 1, a malformed one 2", async () => {
    const database = `sqlite:${join(dir, "flows.db")}`;
    const library = await Errand.connect(database);
    let flowId: string;
    let batchId: string;
    try {
      const step = library.define("step", { handler: async () => "done" });
      const flow = await library.enqueueFlow({ fetch: { job: step.request({}) }, render: { job: step.request({}), after: ["fetch"] } });
      flowId = flow.id;
      const report = library.define("report", { handler: async (_summary: BatchSummary) => null });
      const { batch } = await library.enqueueBatch([step.request({}), step.request({})], { onComplete: { type: report, payload: {} } });
      batchId = batch.id;
    } finally {
      await library.close();
    }
    const shown = await errand(["flows", "show", flowId, "--database", database], {});
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^flow ${flowId} {2}running {2}2 nodes`));
    expect(shown.stdout).toMatch(/\n {2}fetch {3}#\d+ {2}step {2}pending\n {2}render {2}#\d+ {2}step {2}blocked {2}after fetch\n$/);
    const canceled = JSON.parse((await errand(["flows", "cancel", flowId, "--json", "--database", database], {})).stdout);
    expect(canceled).toMatchObject({ id: flowId, state: "canceled", nodes: { fetch: { job: { state: "canceled" } }, render: { job: { state: "canceled" } } } });
    const batch = await errand(["batches", "show", batchId, "--database", database], {});
    expect(batch.stdout).toMatch(new RegExp(`^batch ${batchId} {2}running {2}0/2 ended \\(completed 0, failed 0, canceled 0\\) {2}on complete #\\d+`));
    expect(JSON.parse((await errand(["batches", "show", batchId, "--json", "--database", database], {})).stdout)).toMatchObject({ id: batchId, total: 2, state: "running", on_complete_job_id: expect.any(String) });
    expect(await errand(["flows", "show", "999999", "--database", database], {})).toMatchObject({ code: 1, stderr: "errand: flow 999999 does not exist\n" });
    expect(await errand(["batches", "show", "999999", "--database", database], {})).toMatchObject({ code: 1, stderr: "errand: batch 999999 does not exist\n" });
    expect((await errand(["flows", "show", "abc", "--database", database], {})).code).toBe(2);
  });

  it("pauses and resumes a queue, with --database before or after the queue name", async () => {
    const database = `sqlite:${join(dir, "queues.db")}`;
    // Commands that only act on what is there refuse a database that does not exist yet.
    expect(await errand(["queues", "pause", "reports", "--database", database], {})).toMatchObject({
      code: 2,
      stderr: `errand: no database at ${join(dir, "queues.db")} (--database ${database}); check it, or create it by running \`errand migrate\` with the same --database (or ERRAND_DATABASE_URL)\n`,
    });
    expect(existsSync(join(dir, "queues.db"))).toBe(false);
    // A bad name is the first thing said, not the missing database.
    expect(await errand(["queues", "pause", "a b", "--database", database], {})).toMatchObject({
      code: 2,
      stderr: 'errand: queue "a b": must be 1–128 characters of ASCII letters, digits and _ . : / -\n',
    });
    expect((await errand(["migrate", "--database", database], {})).code).toBe(0);
    expect(await errand(["queues", "pause", "reports", "--database", database, "--json"], {})).toMatchObject({ code: 0, stdout: '{"name":"reports","paused":true}\n' });
    const observer = await Errand.connect(database);
    try {
      expect(await observer.store.listPausedQueues()).toEqual(["reports"]);
      expect((await errand(["queues", "--database", database], {})).stdout).toBe("reports (paused): no jobs\n");
      expect((await errand(["queues", "--database", database, "resume", "reports"], {})).stdout).toBe('queue "reports" resumed\n');
      expect(await observer.store.listPausedQueues()).toEqual([]);
    } finally {
      await observer.close();
    }
    expect(await errand(["queues", "pause", "no spaces", "--database", database], {})).toMatchObject({
      code: 2,
      stderr: 'errand: queue "no spaces": must be 1–128 characters of ASCII letters, digits and _ . : / -\n',
    });
  });

  it("sets, lists, pauses, resumes and removes cron schedules; `errand work` fires them", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "schedules.db")}` };
    const set = await errand(
      ["schedules", "set", "nightly", "0 3 * * *", "greet", "-p", '{"name":"night"}', "--timezone", "Europe/Berlin", "--misfire", "backfill", "--backfill-limit", "3", "--json"],
      env,
    );
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      name: "nightly",
      cron: "0 3 * * *",
      timezone: "Europe/Berlin",
      payload: { name: "night" },
      misfire: { policy: "backfill", backfill_limit: 3 },
      paused: false,
    });
    // Each tick's job may have its own time limit and retry delays, as one enqueue may.
    const limited = await errand(["schedules", "set", "limited", "0 3 * * *", "greet", "--timeout-ms", "60000", "--backoff-base-ms", "30000", "--json"], env);
    expect(JSON.parse(limited.stdout)).toMatchObject({ timeout_ms: 60_000, backoff: { base_ms: 30_000, max_ms: 3_600_000, jitter: 0.5 }, misfire: { policy: "latest" } });
    expect((await errand(["schedules", "remove", "limited"], env)).code).toBe(0);
    const enqueued = await errand(["enqueue", "greet", "--delay", "60000", "--timeout-ms", "5000", "--backoff-base-ms", "200", "--backoff-jitter", "0", "--json"], env);
    expect(JSON.parse(enqueued.stdout)).toMatchObject({ timeout_ms: 5000, backoff: { base_ms: 200, max_ms: 3_600_000, jitter: 0 } });
    expect(JSON.parse((await errand(["schedules", "pause", "nightly", "--json"], env)).stdout).paused).toBe(true);
    expect((await errand(["schedules", "list"], env)).stdout).toMatch(/^nightly {2}"0 3 \* \* \*" Europe\/Berlin {2}greet \[default\] {2}paused/);
    expect(JSON.parse((await errand(["schedules", "resume", "nightly", "--json"], env)).stdout).paused).toBe(false);
    expect((await errand(["schedules", "show", "nightly"], env)).stdout).toMatch(/misfire: backfill up to 3/);
    expect((await errand(["schedules", "remove", "nightly"], env)).code).toBe(0);
    expect(await errand(["schedules", "show", "nightly"], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/schedule "nightly" does not exist/) });
    expect(await errand(["schedules", "set", "x", "0 25 * * *", "greet"], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^errand: cron: /) });
    expect(JSON.parse((await errand(["schedules", "list", "--json"], env)).stdout)).toEqual({ schedules: [] });

    expect((await errand(["schedules", "set", "every-second", "* * * * * *", "greet", "-p", '{"name":"tick"}'], env)).code).toBe(0);
    const worker = spawn(process.execPath, [CLI, "work", "--handlers", HANDLERS], { env: { ...process.env, ...env }, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
    const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
    try {
      const job = await waitFor(async () => (await observer.listJobs({ state: "completed" })).jobs[0], { what: "a scheduled job completed" });
      expect(job).toMatchObject({ type: "greet", result: { greeting: "hello tick" }, idempotencyKey: expect.stringMatching(/^errand:schedule:every-second:/) });
      worker.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      worker.kill("SIGKILL");
      await observer.close();
    }
  });

  it("demo runs to its dead-letter summary beside a worker of the example handlers on the same file, neither taking the other's jobs", async () => {
    mkdirSync(join(dir, "demo's dir"));
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "demo's dir", "demo.db")}` };
    const examples = new URL("../../examples/handlers.mjs", import.meta.url).pathname;
    // What `npm start` works: the example types, queues mail and reports.
    const worker = spawn(process.execPath, [CLI, "work", "--handlers", examples], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
    const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
    try {
      const serverJob = await observer.enqueue("send-email", { to: "ada@example.com" }, { queue: "mail" });
      await waitFor(async () => (await observer.getJob(serverJob.id))?.state === "completed", { what: "the example worker to run its own job" });
      const demo = await errand(["demo"], env);
      expect(demo.code).toBe(0);
      expect(demo.stdout).toContain("Dead-letter set: job");
      const demoJobs = (await observer.listJobs({ limit: 100 })).jobs.filter((j) => j.id !== serverJob.id);
      expect(demoJobs.map((j) => [j.type, j.state]).sort()).toEqual([
        ["demo-export-report", "completed"], ["demo-export-report", "completed"],
        ["demo-sync-crm", "failed"],
        ["send-welcome-email", "completed"], ["send-welcome-email", "completed"],
      ]);
      const errors = demoJobs.flatMap((j) => j.errors.map((e) => e.message));
      expect(errors).toEqual(Array(3).fill("CRM answered 503 for account acme"));
      // The replay command it prints works as pasted into a shell, quoted path and all.
      const replay = /^Replay it with: npx errand (.*)$/m.exec(demo.stdout)![1]!;
      const { stdout } = await run("sh", ["-c", `"${process.execPath}" "${CLI}" ${replay} --json`]);
      expect(JSON.parse(stdout)).toMatchObject({ type: "demo-sync-crm", state: "pending" });
    } finally {
      worker.kill("SIGTERM");
      await exited;
      await observer.close();
    }
  });

  it("exits 2 on commander's usage errors, at every level, and 0 for help and --version", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "usage.db")}` };
    expect(await errand(["enqueue"], env)).toMatchObject({ code: 2, stderr: "error: missing required argument 'type'\n" });
    expect(await errand(["enqueue", "x", "--bogus"], env)).toMatchObject({ code: 2, stderr: "error: unknown option '--bogus'\n" });
    expect(await errand(["jobs", "list", "--bogus"], env)).toMatchObject({ code: 2, stderr: "error: unknown option '--bogus'\n" });
    const choice = await errand(["schedules", "set", "s1", "0 3 * * *", "cleanup", "--misfire", "bogus"], env);
    expect(choice).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: option '--misfire <policy>' argument 'bogus' is invalid\. Allowed choices are latest, skip, backfill\.\n$/) });
    // The top level still shows its help after the error (showHelpAfterError).
    expect(await errand(["bogus"], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: unknown command 'bogus'\n\nUsage: errand /) });
    expect(await errand(["--help"], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: errand /) });
    const setHelp = await errand(["schedules", "set", "--help"], env);
    expect(setHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: errand schedules set /) });
    expect(setHelp.stdout.replace(/\s+/g, " ")).toContain(`${CRON_FORM}; quote it`); // the library's one description of the form
    expect(await errand(["--version"], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("serve and work refuse bad flags with exit 2, naming the flag, before they open the store", async () => {
    // Opening this store fails (a file stands where its directory would be) with exit 1, so a 2
    // shows the flag was refused first, with or without --handlers.
    const env = { ERRAND_DATABASE_URL: `sqlite:${HANDLERS}/unopenable.db` };
    const refused = async (args: string[], message: string) =>
      expect(await errand(args, env)).toMatchObject({ code: 2, stdout: "", stderr: `errand: ${message}\n` });
    const queueRule = "must be 1–128 characters of ASCII letters, digits and _ . : / -";
    for (const command of [["serve", "--port", "0"], ["work", "--handlers", HANDLERS]]) {
      await refused([...command, "--grace-ms", "-5"], "--grace-ms: must be an integer from 0 to 2147483647 ms");
      // Past setTimeout's limit the grace would end after 1 ms, aborting every job at SIGTERM.
      await refused([...command, "--grace-ms", "3000000000"], "--grace-ms: must be an integer from 0 to 2147483647 ms");
      await refused([...command, "--grace-ms", "soon"], '--grace-ms must be an integer, got "soon"');
      await refused([...command, "--concurrency", "abc"], '--concurrency must be an integer, got "abc"');
      await refused([...command, "--concurrency", "0"], "--concurrency: must be a positive integer");
      await refused([...command, "--queues", "mail,a b"], `--queues "a b": ${queueRule}`);
      await refused([...command, "--queues", ",,"], '--queues must name at least one queue, got ",,"');
    }
    for (const port of ["abc", "65536", "-1"])
      await refused(["work", "--handlers", HANDLERS, "--metrics-port", port], `--metrics-port must be an integer from 0 to 65535, got "${port}"`);
    await refused(["work", "--handlers", HANDLERS, "--lease-ms", "0"], "--lease-ms: must be an integer from 1 to 2147483647 ms");
    await refused(["work", "--handlers", HANDLERS, "--lease-ms", "3000000000"], "--lease-ms: must be an integer from 1 to 2147483647 ms");
    // The worker's own check (its heartbeat must be shorter than the lease), made before connecting.
    await refused(["work", "--handlers", HANDLERS, "--lease-ms", "1"], "--lease-ms 1 is too short for the heartbeat that renews the lease");
    const bodyLimitRule = "--body-limit: must be an integer from 1 to 67108864 bytes (64 MiB)";
    await refused(["serve", "--body-limit", "-1"], bodyLimitRule);
    await refused(["serve", "--body-limit", String(64 * 1024 * 1024 + 1)], bodyLimitRule);
    await refused(["serve", "--body-limit", "lots"], '--body-limit must be an integer, got "lots"');
    await refused(["serve", "--max-event-streams", "0"], "--max-event-streams: must be a positive integer");
    await refused(["serve", "--max-event-streams", "1.5"], '--max-event-streams must be an integer, got "1.5"');
    // The environment variable is held to the same rule, and the message names the flag it stands for.
    expect(await errand(["serve"], { ...env, ERRAND_MAX_EVENT_STREAMS: "0" })).toMatchObject({
      code: 2,
      stderr: "errand: --max-event-streams: must be a positive integer\n",
    });
    // A log level pino does not know: one line naming the variable, before anything is opened.
    const badLevel = 'errand: ERRAND_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"\n';
    for (const command of [["serve", "--port", "0"], ["work", "--handlers", HANDLERS]])
      expect(await errand(command, { ...env, ERRAND_LOG_LEVEL: "verbose" })).toMatchObject({ code: 2, stderr: badLevel });
    await refused(["serve", "--types", "mail,a b"], `--types "a b": ${queueRule}`);
    await refused(["serve", "--types", "mail,errand.webhook"], `--types "errand.webhook": names beginning "errand." or "errand:" are Errand's own; the API never enqueues them`);
    await refused(["serve", "--webhook-allow", "127.0.0.1,nonsense/99"], '--webhook-allow: allowed webhook address "nonsense/99" is not an IP or CIDR');
    // An empty prefix once read as /0, allowing every address.
    await refused(["serve", "--webhook-allow", "10.0.0.0/"], '--webhook-allow: allowed webhook address "10.0.0.0/": the prefix length must be 0–32');
    await refused(["serve", "--port", "65536"], '--port must be an integer from 0 to 65535, got "65536"');
    await refused(["serve", "--tokens", "nope"], '--tokens: token entry "nope…" must be <sha256-hex>=<scope>,<scope> (64 hex digits)');
    await refused(
      ["serve", "--host", "0.0.0.0"],
      "--host 0.0.0.0 without API tokens would open every job route to the network: pass --tokens (or ERRAND_API_TOKENS; see `errand token create`), or bind --host 127.0.0.1",
    );
  });

  it("jobs retry-all replays every failed job of a type, page after page, and cancel-all cancels those waiting; a bad flag exits 2 naming it", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "retry-all.db")}` };
    const app = await Errand.connect(env.ERRAND_DATABASE_URL);
    try {
      const flop = app.define("flop", { maxAttempts: 1, handler: async () => { throw new Error("down"); } });
      const jobs = await app.enqueueMany([1, 2, 3].map((i) => flop.request({ i })));
      const worker = app.work({ pollIntervalMs: 20 });
      await waitFor(async () => (await Promise.all(jobs.map((j) => app.getJob(j.id)))).every((j) => j?.state === "failed"), { what: "jobs failed" });
      await worker.close();
    } finally {
      await app.close();
    }
    expect(await errand(["jobs", "retry-all", "--type", "flop"], env)).toMatchObject({ code: 0, stdout: "retried 3 failed jobs\n" });
    expect(JSON.parse((await errand(["jobs", "list", "--state", "pending", "--json"], env)).stdout).jobs).toHaveLength(3);
    const again = await errand(["jobs", "retry-all", "--json"], env);
    expect([again.code, JSON.parse(again.stdout)]).toEqual([0, { retried: 0 }]);
    expect(await errand(["jobs", "retry-all", "--state", "completed"], env)).toMatchObject({ code: 2, stderr: expect.stringContaining("--state") });
    expect(await errand(["jobs", "retry-all", "--queue", "no queue!"], env)).toMatchObject({ code: 2, stderr: expect.stringContaining("--queue") });
    // The replayed jobs wait again: cancel them all, which needs a state.
    expect(await errand(["jobs", "cancel-all", "--state", "pending", "--type", "flop"], env)).toMatchObject({ code: 0, stdout: "canceled 3 pending jobs\n" });
    expect(await errand(["jobs", "cancel-all"], env)).toMatchObject({ code: 2, stderr: expect.stringContaining("--state") });
  });

  it("gives clear errors and exit codes", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "errors.db")}` };
    expect((await errand(["migrate"], env)).code).toBe(0);
    const badJson = await errand(["enqueue", "greet", "--payload", "{nope"], env);
    expect(badJson).toMatchObject({ code: 2 });
    expect(badJson.stderr).toMatch(/--payload is not valid JSON/);
    const unknown = await errand(["jobs", "show", "12345"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/job 12345 does not exist/);
    // Above the 64-bit range no id can exist: bad input on every store (PostgreSQL's bigint failed the query, exit 1).
    expect(await errand(["jobs", "show", "9223372036854775808"], env)).toMatchObject({
      code: 2,
      stderr: "errand: id: must be a job id (a decimal string from 1 to 9223372036854775807)\n",
    });
    const done = JSON.parse((await errand(["enqueue", "greet", "--json"], env)).stdout).id;
    await errand(["jobs", "cancel", done], env);
    const twice = await errand(["jobs", "cancel", done], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/cannot cancel job \d+: it is canceled/);
    // Errors of the library's checks name the flag, not the library's option.
    const flagError = async (args: string[], stderr: string) => expect(await errand(args, env)).toMatchObject({ code: 2, stdout: "", stderr: `errand: ${stderr}\n` });
    await flagError(["jobs", "list", "--state", "bogus"], '--state: unknown state "bogus"');
    await flagError(["jobs", "list", "--limit", "0"], "--limit: must be an integer from 1 to 1000");
    // A name no job can have is a mistyped filter, not "no jobs" (exit 0).
    await flagError(["jobs", "list", "--queue", "mail queue"], "--queue: must be 1–128 characters of ASCII letters, digits and _ . : / -");
    await flagError(["jobs", "list", "--type", ""], "--type: must be 1–128 characters of ASCII letters, digits and _ . : / -");
    await flagError(["enqueue", "greet", "--delay", "-1"], `--delay: must be an integer from 0 to ${100 * 365 * 86_400_000}`);
    await flagError(["enqueue", "greet", "--max-attempts", "0"], "--max-attempts: must be an integer from 1 to 1000");
    await flagError(["schedules", "set", "s", "0 3 * * *", "greet", "--misfire-grace-ms", "-1"], "--misfire-grace-ms: must be an integer from 1000 to 3600000");
    // The help lists every state the option accepts (it once left out blocked).
    const help = (await errand(["jobs", "list", "--help"], env)).stdout.replace(/\s+/g, " "); // unwrapped
    expect(help).toContain(`-s, --state <state> ${JOB_STATES.join(", ")} `);
    expect(await errand(["token", "create", "--scopes", "jobs:wrte"], env)).toMatchObject({
      code: 2,
      stdout: "",
      stderr: 'errand: --scopes: unknown scope "jobs:wrte"; use jobs:write, jobs:read, admin\n',
    });
    expect(await errand(["token", "create", "--scopes", ""], env)).toMatchObject({
      code: 2,
      stdout: "",
      stderr: "errand: --scopes: no scope given; use one or more of jobs:write, jobs:read, admin\n",
    });
    // A token an Authorization header cannot carry would be configured in vain.
    for (const token of ["", "two words"])
      expect(await errand(["token", "hash", token], env)).toMatchObject({
        code: 2,
        stdout: "",
        stderr: "errand: <token>: a token is 1–512 printable ASCII characters without spaces\n",
      });
    const spaced = JSON.parse((await errand(["token", "create", "--scopes", "jobs:read, admin", "--json"], env)).stdout);
    expect(spaced.entry).toMatch(/^[0-9a-f]{64}=jobs:read,admin$/); // one entry of the token list, which splits on spaces
    const missingHandlers = await errand(["work", "--handlers", join(dir, "nope.mjs")], env);
    expect(missingHandlers.code).toBe(2);
    expect((await errand(["enqueue", "x", "-d", "mysql://x"], env)).stderr).toMatch(/unsupported connection string/);
    // Commands that create the database check their flags first: bad input leaves no file behind.
    const fresh = join(dir, "fresh.db");
    const onFresh = { ERRAND_DATABASE_URL: `sqlite:${fresh}` };
    expect(await errand(["enqueue", "greet", "--payload", "{nope"], onFresh)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^errand: --payload is not valid JSON/) });
    expect(await errand(["enqueue", "greet", "--priority", "x"], onFresh)).toMatchObject({ code: 2, stderr: 'errand: --priority must be an integer, got "x"\n' });
    expect(await errand(["enqueue", "greet", "--delay", "-1"], onFresh)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^errand: --delay: /) });
    expect(await errand(["schedules", "set", "s", "0 25 * * *", "greet"], onFresh)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^errand: cron: /) });
    expect(await errand(["schedules", "set", "s", "0 3 * * *", "greet", "--timezone", "Mars/Olympus"], onFresh)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^errand: --timezone: must be an IANA time zone/),
    });
    expect(await errand(["schedules", "set", "s", "0 3 * * *", "greet", "--backfill-limit", "0"], onFresh)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^errand: --backfill-limit: /) });
    expect(existsSync(fresh)).toBe(false);
    expect(await errand(["wait", done, "--interval-ms", "0"], env)).toMatchObject({ code: 2, stderr: 'errand: --interval-ms must be an integer of at least 10, got "0"\n' });
    // Flags first, then the database: a bad flag is named even where no database is.
    expect(await errand(["jobs", "list", "--state", "bogus", "--database", `sqlite:${fresh}`], {})).toMatchObject({ code: 2, stderr: 'errand: --state: unknown state "bogus"\n' });
    // A mistyped path answers so, instead of creating directories and an empty database.
    const typo = join(dir, "no-such-dir", "x.db");
    expect(await errand(["jobs", "list", "--database", `sqlite:${typo}`], {})).toMatchObject({ code: 2, stderr: expect.stringContaining(`no database at ${typo}`) });
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false);
  });
  it("names the retry flags in their errors (--timeout-ms, --backoff-*)", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "retry-flags.db")}` };
    const flagError = async (args: string[], stderr: string) => expect(await errand(args, env)).toMatchObject({ code: 2, stdout: "", stderr: `errand: ${stderr}\n` });
    await flagError(["enqueue", "greet", "--timeout-ms", "0"], "--timeout-ms: must be an integer from 1 to 2147483647");
    await flagError(["enqueue", "greet", "--backoff-jitter", "half"], '--backoff-jitter must be a number, got "half"');
    await flagError(["schedules", "set", "s", "0 3 * * *", "greet", "--backoff-jitter", "1.5"], "--backoff-jitter: must be between 0 and 1");
    await flagError(
      ["enqueue", "greet", "--backoff-base-ms", "5000", "--backoff-max-ms", "10"],
      "--backoff-max-ms: must be an integer from --backoff-base-ms (5000) to 3153600000000 (100 years)",
    );
  });

  it("refuses a SQLite file that is not Errand's for commands that act on what is there, leaving it as it was", async () => {
    // A path to some other database (the application's own, an empty file) is not given Errand's tables.
    const appDb = join(dir, "app.db");
    const app = new Database(appDb);
    app.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
    app.close();
    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    const tables = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare("SELECT name FROM sqlite_master ORDER BY name").pluck().all();
      } finally {
        db.close();
      }
    };
    for (const path of [appDb, empty]) {
      for (const args of [["jobs", "list"], ["queues"]]) {
        expect(await errand([...args, "--database", `sqlite:${path}`], {})).toMatchObject({ code: 2, stderr: expect.stringContaining(`no Errand tables in ${path}`) });
      }
    }
    expect(tables(appDb)).toEqual(["users"]);
    expect(tables(empty)).toEqual([]);
  });

  it("on PostgreSQL, refuses a schema that is not there for commands that act on what is there, creating nothing", async (ctx) => {
    const factory = postgres;
    if (factory === null) return ctx.skip();
    const database = await factory.url();
    const schema = new URL(database).searchParams.get("schema")!;
    for (const args of [["jobs", "list"], ["queues", "pause", "mail"], ["jobs", "retry-all"]]) {
      expect(await errand([...args, "--database", database], {}), args.join(" ")).toMatchObject({
        code: 2,
        stderr: expect.stringContaining(`errand: no Errand schema "${schema}" in localhost:5432/test (--database ${database}); check it, or create it`),
      });
    }
    expect(await adminQuery("SELECT to_regnamespace($1) AS found", [schema])).toEqual([{ found: null }]);
    expect((await errand(["migrate", "--database", database], {})).code).toBe(0);
    expect(await errand(["jobs", "list", "--database", database], {})).toMatchObject({ code: 0, stdout: "no jobs\n" });
  });

  it("works the queues of the handlers' job types by default, and says why a handlers module did not load", async () => {
    const env = { ERRAND_DATABASE_URL: `sqlite:${join(dir, "queues.db")}` };
    const mail = join(dir, "mail-handlers.mjs");
    writeFileSync(mail, 'export default (e) => e.define("send", { queue: "mail", handler: async () => "sent" });\n');
    const id = JSON.parse((await errand(["enqueue", "send", "--queue", "mail", "--json"], env)).stdout).id as string;
    const worker = spawn(process.execPath, [CLI, "work", "--handlers", mail], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    worker.stderr.on("data", (chunk) => (stderr += chunk));
    const observer = await Errand.connect(env.ERRAND_DATABASE_URL);
    try {
      await waitFor(async () => (await observer.getJob(id))?.state === "completed", { what: "the mail job worked" });
      expect(stderr).toMatch(/worker \S+ on mail \(/);
    } finally {
      worker.kill("SIGKILL");
      await observer.close();
    }
    // An ES module in a package that is CommonJS (npm init's default) fails to import.
    const cjs = join(dir, "cjs-app");
    mkdirSync(cjs);
    writeFileSync(join(cjs, "package.json"), '{"type":"commonjs"}\n');
    writeFileSync(join(cjs, "jobs.js"), "export default function register() {}\n");
    expect(await errand(["work", "--handlers", join(cjs, "jobs.js")], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`could not load the handlers module ${join(cjs, "jobs.js")}: Unexpected token 'export' (it is an ES module: name it .mjs, or set "type": "module" in its package.json)`),
    });
    // A module that only declares types (producers' style) gives a worker nothing to do.
    const declaresOnly = join(dir, "declares-only.mjs");
    writeFileSync(declaresOnly, 'export default (e) => e.define("send", { queue: "mail" });\n');
    expect(await errand(["work", "--handlers", declaresOnly], env)).toMatchObject({
      code: 2,
      stderr: `errand: ${declaresOnly} defines no job type with a handler: nothing to work\n`,
    });
    // Bad input (exit 2), reported before the store is opened: no database file is left behind.
    const untouched = join(dir, "untouched.db");
    for (const command of ["work", "serve"])
      expect(await errand([command, "--handlers", join(dir, "nope.mjs"), "--database", `sqlite:${untouched}`], {})).toMatchObject({
        code: 2,
        stderr: `errand: no handlers module at ${join(dir, "nope.mjs")}\n`,
      });
    expect(existsSync(untouched)).toBe(false);
  });
});
