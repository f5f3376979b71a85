-- $1 id[] $2 attempt[] $3 worker_id[] $4 result[] (JSON text or NULL).
-- Many completions, one statement. A row changes only while the completing worker still holds
-- the lease; RETURNING names (by position n) the completions that were accepted.
UPDATE {{schema}}.jobs AS j
SET state = 'completed', result = c.result::json, progress = COALESCE(j.progress, 100), finished_at = now(),
    worker_id = NULL, lease_expires_at = NULL
FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[]) WITH ORDINALITY AS c(id, attempt, worker_id, result, n)
WHERE j.id = c.id AND j.state = 'running' AND j.attempt = c.attempt AND j.worker_id = c.worker_id
RETURNING c.n::int AS n;
