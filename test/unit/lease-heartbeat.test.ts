import Database from "better-sqlite3";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Job } from "../../src/core/job.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { LeaseHeartbeat } from "../../src/worker/lease-heartbeat.js";
import { newJob } from "../helpers/new-job.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir();
let files = 0;
const LEASE_MS = 10_000;
const BEAT_MS = 1_000;

/** A real SQLite store holding one job claimed by worker w1 (and `more` pending), and the heartbeat of that worker. */
async function heartbeatOfOneJob(more = 0) {
  const path = join(dir, `heartbeat-${++files}.sqlite`);
  const store = SqliteStore.open(path, { busyTimeoutMs: 10 });
  await store.insertJobs({ jobs: Array.from({ length: 1 + more }, () => newJob()) });
  const [job] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w1", leaseMs: LEASE_MS });
  const held: Job[] = [job!];
  // Timers and the clock the heartbeat reads are the test's to move; setImmediate stays real, so
  // settled store calls can be let through (settle()).
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance"] });
  const lapsed: Job[] = [];
  const heartbeat = new LeaseHeartbeat({
    store,
    logger: pino({ level: "silent" }),
    intervalMs: BEAT_MS,
    leaseMs: LEASE_MS,
    jobs: () => held,
    onLost: () => {},
    onLapsed: (jobs) => lapsed.push(...jobs),
  });
  return { store, path, heartbeat, lapsed, job: job!, held };
}

/** Lets every store answer already given reach the heartbeat. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("LeaseHeartbeat", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  it("reports a lease lapsed once no extension has landed for leaseMs less the margin, and not before", async () => {
    const { store, path, lapsed, heartbeat, job } = await heartbeatOfOneJob();
    cleanups.push(() => heartbeat.stop(), () => store.close());
    // Extensions land: the lease never lapses.
    for (let i = 0; i < 15; i++) {
      vi.advanceTimersByTime(BEAT_MS);
      await settle();
    }
    expect(lapsed).toEqual([]);
    // Another connection holds the write lock: every extension fails from the next beat on.
    const other = new Database(path);
    cleanups.push(() => other.close());
    other.exec("BEGIN IMMEDIATE");
    // The last extension that landed was sent at the last beat; the margin is 1 s.
    vi.advanceTimersByTime(LEASE_MS - 1_000 - 1);
    await settle();
    expect(lapsed).toEqual([]);
    vi.advanceTimersByTime(1);
    await settle();
    expect(lapsed).toEqual([job]);
    // Reported once, however long the outage lasts.
    vi.advanceTimersByTime(3 * LEASE_MS);
    await settle();
    expect(lapsed).toEqual([job]);
    other.exec("COMMIT");
  });

  it("leaves no timer behind when an extension sent before stop() is answered after it", async () => {
    const { store, lapsed, heartbeat } = await heartbeatOfOneJob();
    cleanups.push(() => store.close());
    vi.advanceTimersByTime(BEAT_MS); // a beat is sent; its answer has not reached the heartbeat yet
    heartbeat.stop();
    await settle();
    // A lapse timer set again by that answer would hold the process open for up to leaseMs.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2 * LEASE_MS);
    expect(lapsed).toEqual([]);
  });

  it("dates a slow claim's leases from that claim, and the leases every beat extended from the beat", async () => {
    const { store, lapsed, heartbeat, job, held } = await heartbeatOfOneJob(1);
    cleanups.push(() => heartbeat.stop(), () => store.close());
    // A claim is sent and waits (a pool queue, a lock) longer than a lease may go unextended.
    const slowClaim = heartbeat.claimStarting();
    for (let i = 0; i < 12; i++) {
      vi.advanceTimersByTime(BEAT_MS);
      await settle();
    }
    // Every beat extended the lease held all along: it is not reported for the claim's sake.
    expect(lapsed).toEqual([]);
    // The claim's answer comes: its job's lease counts from when the claim was sent, which is
    // further back than a lease may go unextended.
    const [late] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w1", leaseMs: LEASE_MS });
    held.push(late!);
    heartbeat.claimSettled(slowClaim, [late!]);
    vi.advanceTimersByTime(0);
    expect(lapsed).toEqual([late]);
    // And the next beats cover it from then on; nothing more is reported.
    for (let i = 0; i < 15; i++) {
      vi.advanceTimersByTime(BEAT_MS);
      await settle();
    }
    expect(lapsed).toEqual([late]);
    expect(lapsed).not.toContain(job);
  });

  it("holds a claim answered in time from the next beat on", async () => {
    const { store, lapsed, heartbeat, held } = await heartbeatOfOneJob(1);
    cleanups.push(() => heartbeat.stop(), () => store.close());
    const claim = heartbeat.claimStarting();
    vi.advanceTimersByTime(LEASE_MS / 2);
    await settle();
    const [next] = await store.claimJobs({ queues: ["default"], limit: 1, workerId: "w1", leaseMs: LEASE_MS });
    held.push(next!);
    heartbeat.claimSettled(claim, [next!]);
    for (let i = 0; i < 30; i++) {
      vi.advanceTimersByTime(BEAT_MS);
      await settle();
    }
    expect(lapsed).toEqual([]);
    // The lapse timer is the only timer left beside the beat's: none spins.
    expect(vi.getTimerCount()).toBe(2);
  });
});
