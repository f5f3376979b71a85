-- @ids: JSON array of the ids select_claimable.sql found, in the same transaction.
UPDATE errand_jobs
SET state = 'running', attempt = attempt + 1, worker_id = @worker_id,
    lease_expires_at = @lease_expires_at, started_at = @now, progress = NULL
WHERE id IN (SELECT value FROM json_each(@ids));
