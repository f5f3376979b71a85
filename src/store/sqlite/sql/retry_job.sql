-- Replay from the dead-letter set: fresh attempts, errors kept as history. A job with a
-- webhook announces its next ending too.
UPDATE errand_jobs
SET state = 'pending', run_at = @now, max_attempts = attempt + max_attempts,
    finished_at = NULL, result = NULL, progress = NULL,
    webhook_pending = (webhook_url IS NOT NULL)
WHERE id = @id AND state IN ('failed','canceled')
RETURNING *;
