export { Errand } from "./errand.js";
export type { ErrandOptions } from "./errand-options.js";
export type { EnqueueRequest, JobDefinition, JobTypeOptions, PayloadOf, ResultOf } from "./client/job-definition.js";
export type { CancelableState, CancelJobsOptions, EnqueueManyOptions, EnqueueOutcome, ListJobsOptions, RetryJobsOptions } from "./client/job-client.js";
export type { QueueOverview } from "./client/queue-overview.js";
export type { EnqueueFlowOptions, FlowNodeRequest } from "./client/flow-client.js";
export type { BatchCallbackRequest, EnqueueBatchOptions, EnqueuedBatch } from "./client/batch-client.js";
export type { Flow, FlowNode, FlowState } from "./core/flow.js";
export type { Batch, BatchState, BatchSummary } from "./core/batch.js";
export type { ParentFailurePolicy } from "./core/job.js";
export type { ScheduleRequest } from "./client/schedule-client.js";
export type { MisfirePolicy, MisfirePolicyName, Schedule, ScheduleOptions } from "./core/schedule.js";
export type { EnqueueOptions, TransactionClient } from "./core/enqueue-options.js";
export type { BackoffPolicy } from "./core/backoff.js";
export type { LimitOptions, RateLimit } from "./core/limits.js";
export type { JobContext, JobHandler } from "./core/handler.js";
export type { BatchContext, BatchHandler, BatchOptions, BatchOutcome } from "./core/batch-handler.js";
export type { AttemptError, ClaimedJob, Job, JobId } from "./core/job.js";
export type { JobEventMap, JobEventName } from "./core/events.js";
export type { PayloadLimits } from "./core/payload.js";
export { DEFAULT_RETENTION, type RetentionOptions, type RetentionRule } from "./core/retention.js";
export { JOB_STATES, TERMINAL_STATES, type JobState, type TerminalState } from "./core/states.js";
export {
  CancelJob,
  ClosedError,
  ErrandError,
  JobCanceledError,
  JobNotFoundError,
  JobStateConflictError,
  JobTimeoutError,
  LeaseLapsedError,
  LeaseLostError,
  PermanentError,
  RateLimitedError,
  RecordNotFoundError,
  ScheduleNotFoundError,
  SchemaBehindError,
  SchemaTooNewError,
  SnoozeJob,
  StoreUnavailableError,
  UnsupportedByStoreError,
  ValidationError,
  WorkerShutdownError,
  type WriteOutcome,
} from "./core/errors.js";
export { retryAfterMs } from "./core/retry-after.js";
export type { Store, JobPage, QueueCounts, BackgroundErrorHandler, BackgroundErrorSource } from "./store/store.js";
export { openStore, type OpenStoreOptions } from "./store/connect.js";
export type { MigrationReport } from "./store/migration-files.js";
export { Worker } from "./worker/worker.js";
export type { WorkerOptions } from "./worker/worker-options.js";
export { ErrandMetrics, type ErrandMetricsOptions } from "./metrics/errand-metrics.js";
