-- $1 queue $2 the NOTIFY channel. Resuming a queue that is not paused changes nothing; one that
-- was paused wakes idle workers, which may find its jobs waiting.
WITH resumed AS (
  DELETE FROM {{schema}}.paused_queues WHERE queue = $1 RETURNING queue
)
SELECT pg_notify($2, queue) FROM resumed;
