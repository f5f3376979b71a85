-- The hot path's completions, one statement: jobs in no flow or batch, which have nothing to
-- settle. Jobs in a flow or batch are left running, as if refused, and the store completes them
-- again with complete_jobs.sql inside a transaction that also settles them. $1–$4: see
-- complete_update.fragment.sql.
-- One row: the positions n (1-based, in the arrays) of the accepted completions, comma-separated,
-- or NULL if none was. One row rather than one per job: reading 300 rows back cost the worker
-- about 1.1 µs per job, the one row about 0.3.
WITH completed AS (
  {{complete_update}}
    AND j.flow_id IS NULL AND j.batch_id IS NULL
  RETURNING width_bucket(j.id, $1::bigint[]) AS n, j.queue
),
tallied AS (
  {{tally_completed}}
)
SELECT string_agg(n::text, ',') AS accepted FROM completed;
