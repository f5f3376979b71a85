import type { Job } from "../core/job.js";
import type { ChangeResult } from "./store.js";

/**
 * What a guarded change (cancel_job.sql, retry_job.sql) that left its locked job as it was
 * means. A replay leaves a failed or canceled job alone only when a flow parent of it was
 * deleted; any other refusal is the job's state.
 */
export function refusedChange(statement: "cancel_job" | "retry_job", job: Job): ChangeResult {
  if (statement === "retry_job" && (job.state === "failed" || job.state === "canceled")) return { outcome: "parent_deleted", job };
  return { outcome: "conflict", job };
}
