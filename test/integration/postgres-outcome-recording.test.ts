import { afterEach, describe, expect, it } from "vitest";
import { CancelJob, SnoozeJob } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { adminQuery, POSTGRES_URL, postgresFactory, proxiedPostgresUrl } from "../helpers/postgres-factory.js";
import type { TcpProxy } from "../helpers/tcp-proxy.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = await postgresFactory();

/**
 * A handler's outcome reaches the store even when the store is away as the handler returns:
 * the worker tries again until it is back, and a write whose reply was lost after it committed
 * is recognised when sent again. Without that, the job would run a second time once its lease
 * expired, and this process would never report how the first run ended.
 */
(factory ? describe : describe.skip)("recording outcomes across a lost PostgreSQL connection", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A worker's Errand reaching PostgreSQL through `proxy`, and what its handler and events saw. */
  async function setUp(outcome: "return" | "throw" | "snooze" | "cancel") {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    cleanups.push(() => proxy.shut());
    const schema = new URL(url).searchParams.get("schema")!;
    // The test's own way in, past the proxy: it enqueues, and runs no worker.
    const directUrl = new URL(url);
    directUrl.host = new URL(POSTGRES_URL).host;
    const direct = await Errand.connect(directUrl.toString());
    cleanups.push(() => direct.close());
    const worker = await Errand.connect(url);
    cleanups.push(() => worker.close({ graceMs: 0 }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runs: number[] = [];
    const events: string[] = [];
    for (const name of ["completed", "retrying", "failed", "canceled"] as const) worker.on(name, () => events.push(name));
    const handler = async (_payload: unknown, ctx: { job: { attempt: number } }) => {
      runs.push(ctx.job.attempt);
      await gate;
      if (outcome === "throw") throw new Error("provider said no");
      if (outcome === "cancel") throw new CancelJob();
      // A minute: the job is not claimed again during the test.
      if (outcome === "snooze") throw new SnoozeJob(60_000);
      return { sent: true };
    };
    // The enqueuer's definition sets the retry delay stored with the job: a minute, so no retry comes during the test.
    const definition = { handler, maxAttempts: 3, backoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 } };
    worker.define("send", definition);
    direct.define("send", definition);
    // A lease far longer than the outage: only the outcome's retry can end the job this soon.
    worker.work({ queues: ["default"], leaseMs: 30_000, pollIntervalMs: 50 });
    const { id } = await direct.enqueue("send", {});
    await waitFor(async () => runs.length === 1, { what: "the handler to start" });
    const row = async () => {
      const [job] = await adminQuery<{ state: string; attempt: number; worker_id: string | null; result: unknown; errors: unknown[] }>(
        `SELECT state, attempt, worker_id, result, errors FROM "${schema}".jobs WHERE id = $1`,
        [id],
      );
      return job!;
    };
    return { proxy, release, runs, events, row, worker };
  }

  async function acceptSoon(proxy: TcpProxy) {
    // Long enough for the first tries to fail against a refused connection.
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.accept();
  }

  /**
   * Lets the handler return with the server's replies cut off: the outcome's write reaches the
   * server and commits (the job's row shows `state`), its reply never comes back. Then the
   * connection drops and comes back, and the worker's event for the outcome is awaited.
   */
  async function loseTheReply(job: Awaited<ReturnType<typeof setUp>>, state: string, event: string, deafen = () => job.proxy.deafen()) {
    deafen();
    job.release();
    await waitFor(async () => (await job.row()).state === state, { what: `the outcome (${state}) to commit` });
    expect(job.events).toEqual([]);
    job.proxy.refuse();
    await acceptSoon(job.proxy);
    await waitFor(async () => job.events.includes(event), { what: `the ${event} event`, timeoutMs: 10_000 });
    expect(job.events).toEqual([event]);
  }

  it("completes a job whose handler returned while the store was unreachable, once it is back: one run, no second attempt", async () => {
    const { proxy, release, runs, events, row } = await setUp("return");
    proxy.refuse();
    release();
    await acceptSoon(proxy);
    const done = await waitFor(async () => ((await row()).state === "completed" ? row() : null), { what: "the job to complete", timeoutMs: 10_000 });
    expect(done).toMatchObject({ attempt: 1, result: { sent: true } });
    await waitFor(async () => events.includes("completed"), { what: "the completed event" });
    expect(runs).toEqual([1]);
  });

  it("reports a completion whose commit's reply was lost as completed, not as a lost lease", async () => {
    const job = await setUp("return");
    await loseTheReply(job, "completed", "completed");
    expect(await job.row()).toMatchObject({ state: "completed", attempt: 1, result: { sent: true } });
    expect(job.runs).toEqual([1]);
  });

  it("reports a failure whose commit's reply was lost once, with one error recorded", async () => {
    const job = await setUp("throw");
    await loseTheReply(job, "retrying", "retrying");
    const stored = await job.row();
    expect(stored).toMatchObject({ state: "retrying", attempt: 1 });
    expect(stored.errors).toHaveLength(1);
    expect(job.runs).toEqual([1]);
  });

  it("reports a handler's cancel whose commit's reply was lost as canceled, not as a lost lease", async () => {
    const job = await setUp("cancel");
    // A cancel is a transaction: its COMMIT's reply is the one lost.
    await loseTheReply(job, "canceled", "canceled", () => job.proxy.deafenAfter("COMMIT"));
    expect(await job.row()).toMatchObject({ state: "canceled", attempt: 1 });
    expect(job.runs).toEqual([1]);
  });

  it("stops trying when the worker's shutdown grace is over, leaving the job to the reaper as after a crash", async () => {
    const { proxy, release, runs, events, row, worker } = await setUp("return");
    proxy.refuse();
    release();
    await waitFor(async () => runs.length === 1, { what: "the handler to have run" });
    const startedAt = Date.now();
    await worker.close({ graceMs: 300 });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(events).toEqual([]);
    expect(await row()).toMatchObject({ state: "running", attempt: 1 });
  });

  /** Counts the snooze statements `worker`'s store tries to send (observed, not replaced). */
  function countSnoozes(worker: Errand): () => number {
    const runner = (worker.store as unknown as { runner: { runOnce: (name: string, ...rest: unknown[]) => Promise<unknown> } }).runner;
    const runOnce = runner.runOnce.bind(runner);
    let snoozes = 0;
    runner.runOnce = (name, ...rest) => ((snoozes += name === "snooze_jobs" ? 1 : 0), runOnce(name, ...rest));
    return () => snoozes;
  }

  it("does not send a snooze again once it may have been written: it gives the attempt back, so it could match the next run's lease", async () => {
    const job = await setUp("snooze");
    const snoozes = countSnoozes(job.worker);
    job.proxy.deafen();
    job.release();
    await waitFor(async () => (await job.row()).state === "scheduled", { what: "the snooze to commit" });
    job.proxy.refuse();
    await acceptSoon(job.proxy);
    // Long enough for several tries at the first waits (50 ms, doubling).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(snoozes()).toBe(1);
    expect(await job.row()).toMatchObject({ state: "scheduled", attempt: 0, worker_id: null });
    expect(job.runs).toEqual([1]);
  });

  it("tries a snooze again while the connection is refused, as nothing was written: it lands once, the attempt given back", async () => {
    const job = await setUp("snooze");
    const snoozes = countSnoozes(job.worker);
    job.proxy.refuse();
    // The pool's idle connections hear of their end first, as they would from a server shutting
    // down (it tells them). A statement sent on a connection cut that very moment may have
    // reached the server: that outcome is unknown, the case of the test above.
    await new Promise((resolve) => setTimeout(resolve, 100));
    job.release();
    await waitFor(async () => snoozes() >= 2, { what: "the snooze to be tried again" });
    job.proxy.accept();
    await waitFor(async () => (await job.row()).state === "scheduled", { what: "the snooze to land", timeoutMs: 10_000 });
    expect(await job.row()).toMatchObject({ state: "scheduled", attempt: 0, worker_id: null });
    expect(job.runs).toEqual([1]);
  });
});
