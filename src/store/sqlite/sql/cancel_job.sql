-- With a lease, only the worker holding it may cancel (a handler ending its own job).
UPDATE errand_jobs
SET state = 'canceled', finished_at = @now, worker_id = NULL, lease_expires_at = NULL
WHERE id = @id
  AND state IN ('pending','scheduled','blocked','running','retrying')
  AND (@attempt IS NULL OR (state = 'running' AND attempt = @attempt AND worker_id = @worker_id))
RETURNING *;
