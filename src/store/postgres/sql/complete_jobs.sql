-- Many completions of jobs of any kind, one statement, on the transaction that settles what
-- waits for them (ended-jobs.ts). $1–$4: see complete_update.fragment.sql.
-- RETURNING names (by position n in the arrays) the completions that were accepted, with what
-- settling needs.
WITH completed AS (
  {{complete_update}}
  RETURNING width_bucket(j.id, $1::bigint[]) AS n, j.id, j.state, j.flow_id, j.batch_id, j.queue
),
tallied AS (
  {{tally_completed}}
)
SELECT n, id, state, flow_id, batch_id FROM completed;
