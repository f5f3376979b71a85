import Database from "better-sqlite3";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { SnoozeJob, StoreUnavailableError } from "../../src/core/errors.js";
import type { JobContext } from "../../src/core/handler.js";
import { Errand } from "../../src/errand.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { newJob } from "../helpers/new-job.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const dir = tempDir();
let n = 0;

/**
 * Another process holding the SQLite file's write lock past the busy timeout: a write fails
 * with StoreUnavailableError (nothing written), and a worker's outcome is stored once the lock
 * is released instead of the job running again.
 */
describe("SQLite store when another connection holds the write lock", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A store on a fresh file with a short busy timeout, and a second connection to lock it with. */
  function openBusyPair() {
    const path = join(dir, `busy-${++n}.sqlite`);
    const store = SqliteStore.open(path, { busyTimeoutMs: 100 });
    const other = new Database(path);
    cleanups.push(() => other.close());
    const lock = () => other.exec("BEGIN IMMEDIATE");
    const unlock = () => other.exec("COMMIT");
    return { store, lock, unlock };
  }

  it("connects to a current schema without the write lock; one that needs migrating waits for it, then names the file", async () => {
    const { store, lock, unlock } = openBusyPair();
    await store.close();
    const path = join(dir, `busy-${n}.sqlite`);
    lock();
    // Connecting reads the schema's version; it takes no lock (before: the busy timeout, 10 s, then SQLITE_BUSY).
    const startedAt = performance.now();
    const errand = await Errand.connect(`sqlite:${path}`);
    cleanups.push(() => errand.close());
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect((await errand.listJobs()).jobs).toEqual([]);
    unlock();
    // A file to migrate needs the lock, and is refused as any write is; one not yet in WAL mode
    // is refused at the switch, at once (SQLite does not wait for that), and says so.
    const openRefused = (file: string) => {
      try {
        SqliteStore.open(file, { busyTimeoutMs: 100 });
      } catch (error) {
        return error as Error;
      }
      throw new Error("opened");
    };
    for (const wal of [true, false]) {
      const fresh = join(dir, `busy-fresh-${n}-${wal}.sqlite`);
      const holder = new Database(fresh);
      cleanups.push(() => holder.close());
      if (wal) holder.pragma("journal_mode = WAL");
      holder.exec("BEGIN IMMEDIATE");
      const refused = openRefused(fresh);
      expect(refused).toBeInstanceOf(StoreUnavailableError);
      expect(refused.message).toMatch(
        wal
          ? `SQLite database ${fresh} is busy: another connection held its write lock past the busy timeout`
          : `SQLite database ${fresh} is busy: another connection is writing it, so it could not be switched to WAL mode`,
      );
      holder.exec("COMMIT");
    }
  });

  it("rejects a write with StoreUnavailableError, saying nothing was written, and writes once the lock is free", async () => {
    const { store, lock, unlock } = openBusyPair();
    cleanups.push(() => store.close());
    lock();
    const refused = await store.insertJobs({ jobs: [newJob(), newJob()] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect(refused).toMatchObject({ code: "store_unavailable", outcome: "not_written" });
    expect((refused as Error).message).toMatch(/^SQLite database .*busy-\d+\.sqlite is busy: .*nothing was written, so trying again is safe$/);
    unlock();
    expect(await store.listJobs({ limit: 10 })).toMatchObject({ jobs: [] });
    expect(await store.insertJobs({ jobs: [newJob()] })).toHaveLength(1);
  });

  it("waits for the lock without stopping this process: a write waiting on the lock lets timers run, and lands once it is free", async () => {
    const path = join(dir, `busy-${++n}.sqlite`);
    const store = SqliteStore.open(path, { busyTimeoutMs: 5_000 });
    cleanups.push(() => store.close());
    const other = new Database(path);
    cleanups.push(() => other.close());
    other.exec("BEGIN IMMEDIATE");
    // Released by a timer of this same process: it can fire only if the waiting write lets the
    // event loop run (a write waiting inside SQLite for its busy timeout would not, and fail).
    const ticks: number[] = [];
    const ticking = setInterval(() => ticks.push(Date.now()), 10);
    cleanups.push(() => clearInterval(ticking));
    setTimeout(() => other.exec("COMMIT"), 300);
    expect(await store.insertJobs({ jobs: [newJob()] })).toHaveLength(1);
    expect(ticks.length).toBeGreaterThan(5);
  });

  it("checkWritable rejects with StoreUnavailableError while the lock is held, and resolves once it is free, writing nothing", async () => {
    const { store, lock, unlock } = openBusyPair();
    cleanups.push(() => store.close());
    await store.checkWritable();
    lock();
    await expect(store.checkWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
    unlock();
    await store.checkWritable();
    expect(await store.listJobs({ limit: 10 })).toMatchObject({ jobs: [] });
  });

  /** A worker on a busy pair whose handler has started and waits for `release` to end with `end`. */
  async function startRun(end: (ctx: JobContext<unknown>) => unknown) {
    const { store, lock, unlock } = openBusyPair();
    const errand = await Errand.connect(store, { logger: pino({ level: "silent" }) });
    cleanups.push(() => errand.close({ graceMs: 0 }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runs: number[] = [];
    const completed: string[] = [];
    errand.on("completed", ({ job }) => completed.push(job.id));
    errand.define("send", {
      handler: async (_payload: unknown, ctx) => {
        runs.push(ctx.job.attempt);
        await gate;
        return end(ctx);
      },
    });
    errand.work({ queues: ["default"], leaseMs: 30_000, pollIntervalMs: 50 });
    const { id } = await errand.enqueue("send", {});
    await waitFor(async () => runs.length === 1, { what: "the handler to start" });
    return { errand, id, runs, completed, release, lock, unlock };
  }

  /** Locks the file, lets the handler end, and unlocks once its outcome has failed on the lock and been tried again. */
  async function endWhileLocked(run: Awaited<ReturnType<typeof startRun>>) {
    run.lock();
    run.release();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(run.completed).toEqual([]);
    run.unlock();
  }

  it("stores a handler's outcome once the lock is released: one run, completed at its first attempt", async () => {
    const run = await startRun(() => "sent");
    await endWhileLocked(run);
    await waitFor(async () => run.completed.includes(run.id), { what: "the completed event" });
    expect(await run.errand.getJob(run.id)).toMatchObject({ state: "completed", attempt: 1, result: "sent" });
    expect(run.runs).toEqual([1]);
  });

  it("goes on when its progress cannot be stored while the lock is held: one run, completed at its first attempt", async () => {
    const run = await startRun(async (ctx) => {
      await ctx.progress(50);
      return "sent";
    });
    await endWhileLocked(run);
    await waitFor(async () => run.completed.includes(run.id), { what: "the completed event" });
    expect(await run.errand.getJob(run.id)).toMatchObject({ state: "completed", attempt: 1, result: "sent", progress: 100 });
    expect(run.runs).toEqual([1]);
  });

  it("stores a snooze once the lock is released (nothing was written before): its attempt given back", async () => {
    const run = await startRun(() => {
      throw new SnoozeJob(60_000);
    });
    await endWhileLocked(run);
    await waitFor(async () => (await run.errand.getJob(run.id))?.state === "scheduled", { what: "the snooze to be stored" });
    expect(await run.errand.getJob(run.id)).toMatchObject({ state: "scheduled", attempt: 0, workerId: null });
    expect(run.runs).toEqual([1]);
  });
});
