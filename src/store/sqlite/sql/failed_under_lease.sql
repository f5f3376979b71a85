-- The job, if this lease's failure is already recorded (it waits to retry or has failed, at
-- that attempt, naming that worker): a failure recorded twice. A claim since would have
-- changed the attempt.
SELECT * FROM errand_jobs
WHERE id = @id AND attempt = @attempt AND worker_id = @worker_id AND state IN ('retrying', 'failed');
