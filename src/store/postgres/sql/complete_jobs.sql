-- $1 id[] $2 attempt[] $3 worker_id[] $4 result[] (JSON text or NULL) $5 settling (boolean).
-- Many completions, one statement. A row changes only while the completing worker still holds
-- the lease; RETURNING names (by position n) the completions that were accepted.
-- A job in a flow or batch must settle what waits for it in the same transaction
-- (ended-jobs.ts). The hot path runs this alone with $5 false: such jobs are left running, as
-- if refused, and the store completes them again with $5 true inside a transaction that also
-- settles them. So a plain job's completion stays one statement.
UPDATE {{schema}}.jobs AS j
SET state = 'completed', result = c.result::json, progress = COALESCE(j.progress, 100), finished_at = now(),
    worker_id = NULL, lease_expires_at = NULL
FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[]) WITH ORDINALITY AS c(id, attempt, worker_id, result, n)
WHERE j.id = c.id AND j.state = 'running' AND j.attempt = c.attempt AND j.worker_id = c.worker_id
  AND ($5::boolean OR (j.flow_id IS NULL AND j.batch_id IS NULL))
RETURNING c.n::int AS n, j.id, j.state, j.flow_id, j.batch_id;
