-- What `errand serve` needs: a correlation id carried from the enqueueing HTTP request into
-- the worker's log lines, webhooks announced when a job ends, and paused queues.
ALTER TABLE errand_jobs ADD COLUMN correlation_id TEXT;
ALTER TABLE errand_jobs ADD COLUMN webhook_url TEXT;
-- 1 from enqueue (with a webhook_url) until the webhook's delivery job has been enqueued after
-- the job ended; a replay sets it again. The partial index keeps the dispatcher's scan as small
-- as the number of jobs still owing a webhook, however many old jobs there are.
ALTER TABLE errand_jobs ADD COLUMN webhook_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX errand_jobs_webhook_pending ON errand_jobs (id) WHERE webhook_pending = 1;

-- A queue listed here is not claimed by any worker until it is resumed (deleted from here).
CREATE TABLE errand_paused_queues (
  queue     TEXT    PRIMARY KEY,
  paused_at INTEGER NOT NULL
);
