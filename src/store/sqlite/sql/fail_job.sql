-- @retry_delay_ms NULL ends the job in `failed` (the dead-letter set); otherwise it waits to retry.
-- worker_id stays, naming the worker whose attempt failed (failed_under_lease.sql).
UPDATE errand_jobs
SET state = CASE WHEN @retry_delay_ms IS NULL THEN 'failed' ELSE 'retrying' END,
    run_at = CASE WHEN @retry_delay_ms IS NULL THEN run_at ELSE @now + @retry_delay_ms END,
    finished_at = CASE WHEN @retry_delay_ms IS NULL THEN @now ELSE NULL END,
    errors = json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'message', @message, 'code', @code, 'stack', @stack, 'at', @now)),
    lease_expires_at = NULL
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @worker_id
RETURNING *;
