-- Positional parameters: result, finished_at, id, attempt, worker_id, settling (0 or 1).
-- Changes the row only while the completing worker still holds the lease. A job in a flow or
-- batch must settle what waits for it in the same transaction (ended-jobs.ts): with settling 0
-- such a job is left running, as if refused, and the store completes it again with settling 1
-- and settles it. So a plain job's completion stays one statement with nothing read back.
-- worker_id stays: the job records which worker completed it (completed_under_lease.sql).
UPDATE errand_jobs
SET state = 'completed', result = ?, progress = 100, finished_at = ?,
    lease_expires_at = NULL
WHERE id = ? AND state = 'running' AND attempt = ? AND worker_id = ?
  AND (? OR (flow_id IS NULL AND batch_id IS NULL));
