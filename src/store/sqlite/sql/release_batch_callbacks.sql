-- @batch_ids: JSON array of batches just counted. Each whose members have all ended releases
-- its onComplete job, once (only a blocked one moves), with the batch summary merged into its
-- payload.
UPDATE errand_jobs AS j
SET state = CASE WHEN j.run_at > @now THEN 'scheduled' ELSE 'pending' END,
    parents_waiting = 0,
    payload = json_patch(j.payload, json_object(
      'batchId', CAST(b.id AS TEXT), 'completed', b.completed, 'failed', b.failed, 'canceled', b.canceled))
FROM errand_batches AS b
WHERE b.id IN (SELECT value FROM json_each(@batch_ids))
  AND b.completed + b.failed + b.canceled >= b.total
  AND j.id = b.on_complete_job_id AND j.state = 'blocked'
RETURNING queue, state;
