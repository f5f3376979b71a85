-- The attempt is given back: a snoozed or released run does not count against max_attempts.
-- A released job (@delay_ms NULL) keeps its run time, and so its place in the queue: one handed
-- back at shutdown runs before the jobs that came after it, not behind the whole backlog.
UPDATE errand_jobs
SET state = CASE WHEN @delay_ms > 0 THEN 'scheduled' ELSE 'pending' END,
    run_at = CASE WHEN @delay_ms IS NULL THEN run_at ELSE @now + @delay_ms END,
    attempt = attempt - 1,
    -- The run it reported on is given back with its attempt: 50% would say it is half done.
    progress = NULL,
    worker_id = NULL, lease_expires_at = NULL
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @worker_id;
