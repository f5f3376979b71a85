-- $1 id. Replay from the dead-letter set: fresh attempts, errors kept as history. A job with
-- a webhook announces its next ending too.
UPDATE {{schema}}.jobs
SET state = 'pending', run_at = now(), max_attempts = attempt + max_attempts,
    finished_at = NULL, result = NULL, progress = NULL,
    webhook_pending = (webhook_url IS NOT NULL)
WHERE id = $1 AND state IN ('failed','canceled')
RETURNING *, {{schema}}.visible_state(state, run_at) AS visible_state;
