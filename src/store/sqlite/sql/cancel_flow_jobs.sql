-- Cancels every node of the flow that has not ended, running ones included (their handlers'
-- AbortSignals fire at their next heartbeat).
UPDATE errand_jobs
SET state = 'canceled', finished_at = @now, worker_id = NULL, lease_expires_at = NULL
WHERE flow_id = @flow_id AND state IN ('pending','scheduled','blocked','running','retrying')
RETURNING id, state, queue, flow_id, batch_id;
