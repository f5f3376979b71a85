-- With a lease, only the worker holding it may cancel (a handler ending its own job), and the
-- job keeps that worker's id, as a completion does: a cancel sent again under the same lease is
-- then recognised (canceledUnderLease). Canceled from outside, a job has no worker.
-- @message not NULL (the handler's CancelJob) is kept as the attempt's entry in errors, as a
-- failure's is.
UPDATE errand_jobs
SET state = 'canceled', finished_at = @now, worker_id = CASE WHEN @attempt IS NULL THEN NULL ELSE worker_id END,
    lease_expires_at = NULL,
    errors = CASE WHEN @message IS NULL THEN errors ELSE json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'message', @message, 'code', @code, 'stack', @stack, 'at', @now)) END
WHERE id = @id
  AND state IN ('pending','scheduled','blocked','running','retrying')
  AND (@attempt IS NULL OR (state = 'running' AND attempt = @attempt AND worker_id = @worker_id))
RETURNING *;
