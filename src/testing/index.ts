/**
 * Test helpers for applications that use Errand: `import { runJobInline, expectEnqueued,
 * drainQueue } from "errand/testing"`.
 */
export { runJobInline, type InlineRun, type InlineRunOptions } from "./run-job-inline.js";
export { expectEnqueued, type EnqueuedMatch } from "./expect-enqueued.js";
export { drainQueue, type DrainOptions } from "./drain-queue.js";
