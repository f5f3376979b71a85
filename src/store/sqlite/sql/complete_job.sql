-- Positional parameters: result, finished_at, id, attempt, worker_id.
-- Changes the row only while the completing worker still holds the lease.
UPDATE errand_jobs
SET state = 'completed', result = ?, progress = COALESCE(progress, 100), finished_at = ?,
    worker_id = NULL, lease_expires_at = NULL
WHERE id = ? AND state = 'running' AND attempt = ? AND worker_id = ?;
