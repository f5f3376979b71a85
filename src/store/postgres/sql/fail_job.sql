-- $1 id $2 attempt $3 worker_id $4 retry_delay_ms $5 message $6 code $7 stack
-- $4 NULL ends the job in `failed` (the dead-letter set); otherwise it waits to retry.
-- worker_id stays, naming the worker whose attempt failed (failed_under_lease.sql).
UPDATE {{schema}}.jobs AS j
SET state = CASE WHEN $4::float8 IS NULL THEN 'failed' ELSE 'retrying' END,
    run_at = CASE WHEN $4::float8 IS NULL THEN run_at ELSE now() + $4::float8 * interval '1 millisecond' END,
    finished_at = CASE WHEN $4::float8 IS NULL THEN now() END,
    errors = errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'message', $5::text, 'code', $6::text, 'stack', $7::text, 'at', now())),
    lease_expires_at = NULL
WHERE id = $1 AND state = 'running' AND attempt = $2 AND worker_id = $3
RETURNING {{job_row}};
