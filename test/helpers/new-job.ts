import { DEFAULT_BACKOFF } from "../../src/core/backoff.js";
import type { NewJob } from "../../src/core/job.js";

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
    groupKey: null,
    groupLimit: null,
    flowId: null,
    flowNode: null,
    parentsWaiting: 0,
    onParentFailure: null,
    batchId: null,
    ...overrides,
  };
}
