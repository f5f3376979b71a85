-- $1 id[] $2 attempt[] $3 worker_id[] (see lease_held.fragment.sql) $4 delay_ms. Snooze (one
-- job) and release (many, $4 NULL) alike.
-- The attempt is given back: a snoozed or released run does not count against max_attempts.
-- A released job keeps its run time, and so its place in the queue: one handed back at
-- shutdown runs before the jobs that came after it, not behind the whole backlog.
UPDATE {{schema}}.jobs AS j
SET state = CASE WHEN $4::float8 > 0 THEN 'scheduled' ELSE 'pending' END,
    run_at = CASE WHEN $4::float8 IS NULL THEN j.run_at ELSE now() + $4::float8 * interval '1 millisecond' END,
    attempt = j.attempt - 1,
    -- The run it reported on is given back with its attempt: 50% would say it is half done.
    progress = NULL,
    worker_id = NULL, lease_expires_at = NULL
WHERE {{lease_held}};
