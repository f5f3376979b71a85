-- $1 id[] $2 attempt[] $3 worker_id[] (see lease_held.fragment.sql) $4 result[] (JSON text or
-- NULL) $5 settling (boolean).
-- Many completions, one statement. A row changes only while the completing worker still holds
-- the lease; RETURNING names (by position n in the arrays) the completions that were accepted.
-- A job in a flow or batch must settle what waits for it in the same transaction
-- (ended-jobs.ts). The hot path runs this alone with $5 false: such jobs are left running, as
-- if refused, and the store completes them again with $5 true inside a transaction that also
-- settles them. So a plain job's completion stays one statement.
UPDATE {{schema}}.jobs AS j
SET state = 'completed', result = ($4::text[])[width_bucket(j.id, $1::bigint[])]::json,
    progress = COALESCE(j.progress, 100), finished_at = now(), worker_id = NULL, lease_expires_at = NULL
WHERE {{lease_held}}
  AND ($5::boolean OR (j.flow_id IS NULL AND j.batch_id IS NULL))
RETURNING width_bucket(j.id, $1::bigint[]) AS n, j.id, j.state, j.flow_id, j.batch_id;
