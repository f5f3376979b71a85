-- Positional parameters: result, finished_at, id, attempt, worker_id.
-- Changes the row only while the completing worker still holds the lease. Returns what the
-- store needs to apply the ending to the job's flow children and batch (see ended-jobs.ts).
UPDATE errand_jobs
SET state = 'completed', result = ?, progress = COALESCE(progress, 100), finished_at = ?,
    worker_id = NULL, lease_expires_at = NULL
WHERE id = ? AND state = 'running' AND attempt = ? AND worker_id = ?
RETURNING id, state, flow_id, batch_id;
