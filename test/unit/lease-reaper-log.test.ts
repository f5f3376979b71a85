import { pino } from "pino";
import { expect, it } from "vitest";
import { JobEventBus } from "../../src/client/event-bus.js";
import { LeaseReaper } from "../../src/scheduler/lease-reaper.js";
import { newJob } from "../helpers/new-job.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

it("logs a rescued job with the fields of its other lines, correlation id and queue included, and one failed as failed", async () => {
  const factory = sqliteFactory();
  const store = await factory.open(await factory.url());
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const reaper = new LeaseReaper({ store, events: new JobEventBus(), logger, intervalMs: 60_000, graceMs: 0 });
  try {
    await store.insertJobs({ jobs: [newJob({ queue: "mail", correlationId: "signup-7f3a" }), newJob({ queue: "mail", maxAttempts: 1 })] });
    await store.claimJobs({ queues: ["mail"], limit: 2, workerId: "a-worker-that-died", leaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20)); // its lease runs out
    await reaper.sweep();
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "job lease expired; rescued, to run again", jobId: "1", queue: "mail", attempt: 1, correlationId: "signup-7f3a" }),
    );
    // One with no attempts left is not rescued: it fails, and says so.
    expect(lines).toContainEqual(expect.objectContaining({ msg: "job lease expired with no attempts left; failed", jobId: "2" }));
  } finally {
    await reaper.stop();
    await store.close();
  }
});
