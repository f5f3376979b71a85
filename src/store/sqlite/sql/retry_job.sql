-- Replay from the dead-letter set: fresh attempts, errors kept as history.
UPDATE errand_jobs
SET state = 'pending', run_at = @now, max_attempts = attempt + max_attempts,
    finished_at = NULL, result = NULL, progress = NULL
WHERE id = @id AND state IN ('failed','canceled')
RETURNING *;
