-- What `errand serve` needs: a correlation id carried from the enqueueing HTTP request into
-- the worker's log lines, webhooks announced when a job ends, and paused queues.
ALTER TABLE {{schema}}.jobs
  ADD COLUMN correlation_id  text,
  ADD COLUMN webhook_url     text,
  -- True from enqueue (with a webhook_url) until the webhook's delivery job has been enqueued
  -- after the job ended; a replay sets it again.
  ADD COLUMN webhook_pending boolean NOT NULL DEFAULT false;

-- Keeps the dispatcher's scan as small as the number of jobs still owing a webhook, however
-- many old jobs the table keeps.
CREATE INDEX jobs_webhook_pending ON {{schema}}.jobs (id) WHERE webhook_pending;

-- A queue listed here is not claimed by any worker until it is resumed (deleted from here).
CREATE TABLE {{schema}}.paused_queues (
  queue     text        PRIMARY KEY,
  paused_at timestamptz NOT NULL
);
