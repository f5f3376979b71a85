import { describe, expect, it } from "vitest";
import { copyOfJob, type Job } from "../../src/core/job.js";

const job = (): Job => ({
  id: "7",
  type: "send",
  queue: "mail",
  state: "running",
  payload: { to: ["a@example.com"] },
  priority: 0,
  attempt: 2,
  maxAttempts: 3,
  timeoutMs: null,
  backoff: { baseMs: 1000, maxMs: 60_000, jitter: 0.2 },
  progress: null,
  result: { sent: { ids: [1] } },
  errors: [{ attempt: 1, message: "boom", code: null, stack: null, at: new Date("2026-12-06T10:00:00Z") }],
  idempotencyKey: null,
  createdAt: new Date("2026-12-06T09:00:00Z"),
  runAt: new Date("2026-12-06T09:00:00Z"),
  startedAt: new Date("2026-12-06T10:01:00Z"),
  finishedAt: null,
  workerId: "w1",
  leaseExpiresAt: new Date("2026-12-06T10:01:30Z"),
  correlationId: null,
  webhookUrl: null,
  groupKey: null,
  groupLimit: null,
  flowId: null,
  flowNode: null,
  onParentFailure: null,
  batchId: null,
});

describe("copyOfJob", () => {
  it("is equal to the job, and what is done to the copy leaves the job as it was", () => {
    const original = job();
    const copy = copyOfJob(original, structuredClone(original.payload));
    expect(copy).toEqual(original);
    (copy.payload as { to: string[] }).to.push("b@example.com");
    copy.backoff.baseMs = 1;
    (copy.result as { sent: { ids: number[] } }).sent.ids.push(2);
    copy.errors[0]!.at.setTime(0);
    copy.errors.push({ ...copy.errors[0]! });
    for (const date of [copy.createdAt, copy.runAt, copy.startedAt!, copy.leaseExpiresAt!]) date.setTime(0);
    expect(original).toEqual(job());
  });
});
