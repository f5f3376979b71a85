import type { Logger } from "pino";
import { jobLogFields } from "../core/job.js";
import type { Errand } from "../errand.js";

export { jobLogFields };

/**
 * Logs each lifecycle event of jobs enqueued or run in this process, one JSON line each, so a
 * job can be followed from the request that enqueued it (same correlationId) to the worker
 * that ran it. Returns a function that stops logging.
 */
export function logJobLifecycle(errand: Errand, logger: Logger): () => void {
  const offs = [
    errand.on("enqueued", ({ job }) => logger.info(jobLogFields(job), "job enqueued")),
    errand.on("started", ({ job }) => logger.info(jobLogFields(job), "job started")),
    errand.on("progress", ({ job, progress }) => logger.debug({ ...jobLogFields(job), progress }, "job progress")),
    errand.on("completed", ({ job }) => logger.info(jobLogFields(job), "job completed")),
    errand.on("retrying", ({ job, error, runAt }) =>
      logger.warn({ ...jobLogFields(job), error: error.message, retryAt: runAt.toISOString() }, "job failed; will retry"),
    ),
    errand.on("failed", ({ job, error }) => logger.error({ ...jobLogFields(job), error: error?.message }, "job failed")),
    errand.on("canceled", ({ job }) => logger.info(jobLogFields(job), "job canceled")),
  ];
  return () => offs.forEach((off) => off());
}
