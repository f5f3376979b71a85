-- $1 limit. Each expired lease counts as a failed attempt: retried at once, or `failed` when
-- no attempts are left. SKIP LOCKED: two reapers never rescue the same job.
WITH expired AS (
  SELECT id FROM {{schema}}.jobs
  WHERE state = 'running' AND lease_expires_at < now()
  ORDER BY lease_expires_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE {{schema}}.jobs AS j
SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'failed' ELSE 'retrying' END,
    finished_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
    run_at = now(),
    errors = j.errors || jsonb_build_array(jsonb_build_object(
      'attempt', j.attempt, 'message', 'lease expired: the worker died or stopped heartbeating',
      'code', 'lease_expired', 'stack', NULL, 'at', now())),
    worker_id = NULL, lease_expires_at = NULL
FROM expired
WHERE j.id = expired.id AND j.state = 'running'
RETURNING {{job_row}};
