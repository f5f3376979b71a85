import { describe, expect, it } from "vitest";
import { DEFAULT_JOB_DEFAULTS } from "../../src/core/enqueue-options.js";
import { DEFAULT_MISFIRE } from "../../src/core/schedule.js";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { newJob } from "../helpers/new-job.js";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";
import { postgresSchemaOf } from "../helpers/schema-at-version.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const factory = await postgresFactory();

/**
 * Runs every statement that returns whole jobs, schedules or batches, so each is prepared on
 * the store's one connection. `round` keeps names and keys apart between calls.
 */
async function exerciseWholeRowStatements(store: PostgresStore, round: number): Promise<void> {
  const lease = (job: { id: string; attempt: number }) => ({ jobId: job.id, attempt: job.attempt, workerId: "w" });
  const queue = `q${round}`;
  const claimOne = async (leaseMs = 30_000) => {
    const [job] = await store.claimJobs({ queues: [queue], limit: 1, workerId: "w", leaseMs });
    return job!;
  };

  const [first] = await store.insertJobs({ jobs: [newJob({ queue, idempotencyKey: `key-${round}` })] });
  const [again] = await store.insertJobs({ jobs: [newJob({ queue, idempotencyKey: `key-${round}` })] });
  expect(again!.job.id).toBe(first!.job.id);
  expect((await store.getJob({ id: first!.job.id }))!.queue).toBe(queue);
  expect((await store.listJobs({ queue, limit: 10 })).jobs).toHaveLength(1);

  // A retry is stored on the pool (a named statement), the last failure in a transaction.
  const error = { message: "no", code: null, stack: null };
  expect((await store.failJob({ lease: lease(await claimOne()), error, retryDelayMs: 1 }))!.state).toBe("retrying");
  await sleep(5);
  expect((await store.failJob({ lease: lease(await claimOne()), error, retryDelayMs: null }))!.state).toBe("failed");
  expect(await store.retryJob({ id: first!.job.id })).toMatchObject({ outcome: "changed", job: { state: "pending" } });
  expect(await store.cancelJob({ id: first!.job.id })).toMatchObject({ outcome: "changed", job: { state: "canceled" } });

  await store.insertJobs({ jobs: [newJob({ queue, webhookUrl: "http://localhost:1/hook" })] });
  const expiring = await claimOne(1);
  await sleep(20);
  expect((await store.rescueExpiredLeases({ limit: 10 })).map((j) => j.id)).toContain(expiring.id);
  await store.cancelJob({ id: expiring.id });
  expect((await store.listJobsAwaitingWebhook({ limit: 10 })).map((j) => j.id)).toContain(expiring.id);

  const node = (name: string, parents: string[]) => ({
    job: newJob({ queue, flowNode: name, parentsWaiting: parents.length, onParentFailure: "cancel" }),
    parents,
  });
  const flow = await store.insertFlow({ nodes: [node("a", []), node("b", ["a"])] });
  expect((await store.getFlow({ id: flow.id }))!.jobs).toHaveLength(2);
  expect(await store.getParentJobs({ jobId: flow.jobs[1]!.id })).toHaveLength(1);

  const batch = await store.insertBatch({ jobs: [newJob({ queue })], onComplete: newJob({ queue, parentsWaiting: 1 }) });
  expect((await store.getBatch({ id: batch.batch.id }))!.total).toBe(1);

  const name = `nightly-${round}`;
  const schedule = { name, cron: "0 3 * * *", timezone: "UTC", type: "cleanup", payload: "{}", jobOptions: DEFAULT_JOB_DEFAULTS, misfire: DEFAULT_MISFIRE };
  await store.saveSchedule({ schedule: { ...schedule, nextTickAt: new Date(Date.now() + 3_600_000) } });
  expect((await store.getSchedule({ name }))!.name).toBe(name);
  expect((await store.listSchedules()).map((s) => s.name)).toContain(name);
  expect((await store.pauseSchedule({ name }))!.paused).toBe(true);
  expect((await store.resumeSchedule({ name, nextTickAt: new Date(Date.now() - 1_000) }))!.paused).toBe(false);
  expect((await store.listDueSchedules({ limit: 10 })).map((s) => s.name)).toContain(name);
}

(factory ? describe : describe.skip)("PostgreSQL: a running process and a newer version's schema", () => {
  it("keeps working on connections prepared before a newer version added columns to its tables", async () => {
    const url = await factory!.url();
    // One connection, so every statement of the second round runs where the first prepared it.
    const store = await PostgresStore.open({ ...parsePostgresUrl(url), maxConnections: 1 });
    try {
      await exerciseWholeRowStatements(store, 1);
      const schema = postgresSchemaOf(url);
      for (const table of ["jobs", "schedules", "batches"]) {
        await adminQuery(`ALTER TABLE "${schema}".${table} ADD COLUMN added_by_a_newer_version text`);
      }
      // A statement returning `*` would now fail: "cached plan must not change result type".
      await exerciseWholeRowStatements(store, 2);
    } finally {
      await store.close();
    }
  });
});
