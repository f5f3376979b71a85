UPDATE errand_jobs
SET state = CASE WHEN attempt >= max_attempts THEN 'failed' ELSE 'retrying' END,
    finished_at = CASE WHEN attempt >= max_attempts THEN @now ELSE NULL END,
    run_at = @now,
    errors = json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'message', 'lease expired: the worker died or stopped heartbeating',
      'code', 'lease_expired', 'stack', NULL, 'at', @now)),
    worker_id = NULL, lease_expires_at = NULL
WHERE id IN (
  SELECT id FROM errand_jobs WHERE state = 'running' AND lease_expires_at < @now LIMIT @limit
)
RETURNING *;
