import { DEFAULT_BACKOFF } from "../../src/core/backoff.js";
import { STANDALONE_JOB, type NewJob } from "../../src/core/job.js";

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: "test",
    queue: "default",
    payload: "{}",
    priority: 0,
    runAt: null,
    delayMs: 0,
    maxAttempts: 3,
    timeoutMs: null,
    backoff: DEFAULT_BACKOFF,
    idempotencyKey: null,
    correlationId: null,
    webhookUrl: null,
    ...STANDALONE_JOB,
    ...overrides,
  };
}
