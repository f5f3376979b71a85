-- $1 id[] $2 attempt[] $3 worker_id[] $4 delay_ms. Snooze (one job) and release (many) alike.
-- The attempt is given back: a snoozed or released run does not count against max_attempts.
UPDATE {{schema}}.jobs AS j
SET state = CASE WHEN $4::float8 > 0 THEN 'scheduled' ELSE 'pending' END,
    run_at = now() + $4::float8 * interval '1 millisecond',
    attempt = j.attempt - 1,
    worker_id = NULL, lease_expires_at = NULL
FROM unnest($1::bigint[], $2::int[], $3::text[]) AS l(id, attempt, worker_id)
WHERE j.id = l.id AND j.state = 'running' AND j.attempt = l.attempt AND j.worker_id = l.worker_id;
