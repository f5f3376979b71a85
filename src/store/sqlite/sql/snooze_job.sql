-- The attempt is given back: a snoozed or released run does not count against max_attempts.
UPDATE errand_jobs
SET state = CASE WHEN @delay_ms > 0 THEN 'scheduled' ELSE 'pending' END,
    run_at = @now + @delay_ms,
    attempt = attempt - 1,
    worker_id = NULL, lease_expires_at = NULL
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @worker_id;
