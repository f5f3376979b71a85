-- $1 id[] $2 attempt[] $3 worker_id[] (see lease_held.fragment.sql) $4 delay_ms. Snooze (one
-- job) and release (many) alike.
-- The attempt is given back: a snoozed or released run does not count against max_attempts.
UPDATE {{schema}}.jobs AS j
SET state = CASE WHEN $4::float8 > 0 THEN 'scheduled' ELSE 'pending' END,
    run_at = now() + $4::float8 * interval '1 millisecond',
    attempt = j.attempt - 1,
    worker_id = NULL, lease_expires_at = NULL
WHERE {{lease_held}};
