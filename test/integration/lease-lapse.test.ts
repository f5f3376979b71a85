import Database from "better-sqlite3";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { LeaseLapsedError, LeaseLostError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { POSTGRES_URL, postgresFactory, proxiedPostgresUrl } from "../helpers/postgres-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const factory = await postgresFactory();
const dir = tempDir();
let files = 0;

const LEASE_MS = 3_000;
const HEARTBEAT_MS = 200;

/** A worker's Errand, a way to read its jobs that the outage leaves alone, and the outage itself. */
interface Setup {
  worker: Errand;
  reader: Errand;
  /** Another Errand on the same store, which the outage reaches as it reaches `worker`. */
  another(): Promise<Errand>;
  /** Makes the store unreachable to `worker` (every write fails), or reachable again. */
  cut(): void;
  restore(): void;
}

type Cleanups = (() => Promise<unknown> | unknown)[];

async function overProxy(cleanups: Cleanups): Promise<Setup> {
  const { url, proxy } = await proxiedPostgresUrl(factory!);
  cleanups.push(() => proxy.shut());
  const direct = new URL(url);
  direct.host = new URL(POSTGRES_URL).host;
  const reader = await Errand.connect(direct.toString());
  cleanups.push(() => reader.close());
  const connect = async () => {
    const errand = await Errand.connect(url, { logger: pino({ level: "silent" }) });
    cleanups.push(() => errand.close({ graceMs: 0 }));
    return errand;
  };
  const worker = await connect();
  return { worker, reader, another: connect, cut: () => proxy.refuse(), restore: () => proxy.accept() };
}

async function behindSqliteLock(cleanups: Cleanups): Promise<Setup> {
  const path = join(dir, `lapse-${++files}.sqlite`);
  const connect = async () => {
    const errand = await Errand.connect(SqliteStore.open(path, { busyTimeoutMs: 50 }), { logger: pino({ level: "silent" }) });
    cleanups.push(() => errand.close({ graceMs: 0 }));
    return errand;
  };
  const worker = await connect();
  const other = new Database(path);
  cleanups.push(() => other.close());
  // WAL mode: reads go on while another connection holds the write lock.
  return { worker, reader: worker, another: connect, cut: () => other.exec("BEGIN IMMEDIATE"), restore: () => other.exec("COMMIT") };
}

/**
 * A worker that cannot extend its leases (the store unreachable) aborts their handlers before
 * the leases run out: after that, any worker's reaper may hand the job out again, and the two
 * runs would overlap. The job then runs again only after the first run has stopped.
 */
describe.each([
  { store: "sqlite", open: behindSqliteLock, skip: false },
  { store: "postgres", open: overProxy, skip: factory === null },
])("a lease that cannot be extended ($store)", ({ open, skip }) => {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.skipIf(skip)("signals its handler to stop before the lease runs out, drops a job not started, and each runs again only once the first run has ended", async () => {
    const { worker, reader, cut, restore } = await open(cleanups);
    type Run = { job: string; attempt: number; startedAt: number; endedAt?: number; abortedBy?: unknown };
    const runs: Run[] = [];
    worker.define("render", {
      handler: async (_payload: unknown, ctx) => {
        const run: Run = { job: ctx.job.id, attempt: ctx.job.attempt, startedAt: Date.now() };
        runs.push(run);
        if (ctx.job.attempt === 1) {
          // A handler that heeds its signal: it stops, with the signal's reason.
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
          run.abortedBy = ctx.signal.reason;
          run.endedAt = Date.now();
          throw ctx.signal.reason;
        }
        run.endedAt = Date.now();
        return "rendered";
      },
      // A rescued job is due again at once.
      backoff: { baseMs: 1, maxMs: 1, jitter: 0 },
    });
    worker.define("warm-up", { handler: async () => "quick" });
    worker.work({ queues: ["default"], concurrency: 1, leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS, reaperIntervalMs: 100, pollIntervalMs: 50 });
    // A quick job first: the worker prefetches only once it has seen how long a handler takes.
    const warmUp = await worker.enqueue("warm-up", {});
    await waitFor(async () => (await reader.getJob(warmUp.id))?.state === "completed", { what: "the warm-up job" });
    // One slot: the first job runs, the second is claimed with it and waits in the prefetch buffer.
    const [first, second] = await worker.enqueueMany([
      { type: "render", payload: {} },
      { type: "render", payload: {} },
    ]);
    await waitFor(() => runs.length === 1, { what: "the first run to start" });
    expect(await reader.getJob(second!.id)).toMatchObject({ state: "running", attempt: 1 });

    cut();
    // Several heartbeats fail meanwhile; the lease has most of its time left.
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    expect(runs[0]!.abortedBy).toBeUndefined();
    await waitFor(() => runs[0]!.endedAt, { what: "the first run to be aborted", timeoutMs: 2 * LEASE_MS });
    expect(runs[0]!.abortedBy).toBeInstanceOf(LeaseLapsedError);
    expect(runs[0]!.abortedBy).toBeInstanceOf(LeaseLostError);
    // Told while the lease still held: no reaper could have handed the job out yet.
    const leased = await reader.getJob(first!.id);
    expect(leased).toMatchObject({ state: "running", attempt: 1 });
    expect(runs[0]!.endedAt!).toBeLessThan(leased!.leaseExpiresAt!.getTime());
    // The slot it freed does not start the prefetched job, whose lease lapsed with it.
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    expect(runs).toHaveLength(1);

    restore();
    for (const { id } of [first!, second!])
      await waitFor(async () => (await reader.getJob(id))?.state === "completed", { what: `job ${id} to run again and complete`, timeoutMs: 4 * LEASE_MS });
    const attemptsOf = (id: string) => runs.filter((r) => r.job === id).map((r) => r.attempt);
    expect(attemptsOf(first!.id)).toEqual([1, 2]);
    // Its first attempt was charged when its lease expired, as for any claimed job.
    expect(attemptsOf(second!.id)).toEqual([2]);
    expect(runs.find((r) => r.job === first!.id && r.attempt === 2)!.startedAt).toBeGreaterThanOrEqual(runs[0]!.endedAt!);
  });

  it.skipIf(skip)("stores the outcome of a handler that finished during an outage longer than the lease: the job does not run again", async () => {
    const { worker, reader, another, cut, restore } = await open(cleanups);
    const attempts: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    worker.define("render", {
      handler: async (_payload: unknown, ctx) => {
        attempts.push(ctx.job.attempt);
        await gate;
        return "rendered";
      },
    });
    // The worker's own reaper and claims stay out of the way: the other process's reaper, which
    // shares the worker's lease settings but comes round four times as often as its heartbeat,
    // is the one that would hand the job out.
    const beatMs = 400;
    const lease = { leaseMs: 1_000, heartbeatMs: beatMs };
    worker.work({ queues: ["default"], ...lease, reaperIntervalMs: 60_000, pollIntervalMs: 60_000 });
    const { id } = await worker.enqueue("render", {});
    await waitFor(() => attempts.length === 1, { what: "the handler to start" });
    const rescuer = await another();
    rescuer.work({ queues: ["elsewhere"], ...lease, reaperIntervalMs: beatMs / 4 });
    cut();
    release();
    // The lease runs out during the outage; the other process's reaper fails meanwhile.
    await waitFor(async () => (await reader.getJob(id))!.leaseExpiresAt!.getTime() + 2 * beatMs < Date.now(), { what: "the lease to run out" });
    restore();
    await waitFor(async () => (await reader.getJob(id))?.state === "completed", { what: "the job to complete" });
    expect(await reader.getJob(id)).toMatchObject({ state: "completed", attempt: 1, result: "rendered", errors: [] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts).toEqual([1]);
  });

  it.skipIf(skip)("stores what a handler returns after its lease lapsed, if the lease was still held: the job does not run again", async () => {
    const { worker, reader, cut, restore } = await open(cleanups);
    let signaled: unknown;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const attempts: number[] = [];
    worker.define("render", {
      handler: async (_payload: unknown, ctx) => {
        attempts.push(ctx.job.attempt);
        ctx.signal.addEventListener("abort", () => (signaled = ctx.signal.reason), { once: true });
        // Ignores its signal, and finishes once the store is back.
        await gate;
        return "rendered";
      },
    });
    worker.work({ queues: ["default"], leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS, reaperIntervalMs: 100, pollIntervalMs: 50 });
    const { id } = await worker.enqueue("render", {});
    await waitFor(() => attempts.length === 1, { what: "the handler to start" });
    cut();
    await waitFor(() => signaled, { what: "the lease to lapse", timeoutMs: 2 * LEASE_MS });
    expect(signaled).toBeInstanceOf(LeaseLapsedError);
    // Back within the margin: the lease never ran out.
    restore();
    release();
    await waitFor(async () => (await reader.getJob(id))?.state === "completed", { what: "the job to complete" });
    expect(await reader.getJob(id)).toMatchObject({ state: "completed", attempt: 1, result: "rendered", errors: [] });
    // Long enough for a reaper (every 100 ms) to have handed it out, had the lease run out.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts).toEqual([1]);
  });
});
