-- $1 flow id. Cancels every node of the flow that has not ended, running ones included (their
-- handlers' AbortSignals fire at their next heartbeat). Rows are locked in id order (parents
-- before children), the order endings lock them in, so the two never deadlock.
WITH doomed AS (
  SELECT id FROM {{schema}}.jobs
  WHERE flow_id = $1 AND state IN ('pending','scheduled','blocked','running','retrying')
  ORDER BY id
  FOR UPDATE
)
UPDATE {{schema}}.jobs AS j
SET state = 'canceled', finished_at = now(), worker_id = NULL, lease_expires_at = NULL
FROM doomed
WHERE j.id = doomed.id AND j.state IN ('pending','scheduled','blocked','running','retrying')
RETURNING j.id, j.state, j.flow_id, j.batch_id;
