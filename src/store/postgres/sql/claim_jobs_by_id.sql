-- $1 id[] $2 worker_id $3 lease_ms $4 started_at (epoch ms; NULL: now()). Claims the jobs
-- lock_claim_candidates.sql locked and claimJobs chose, in the same transaction (see
-- claimed_rows.fragment.sql for why the WAL flush is not waited for). Under a rate limit, started_at is
-- the time the limit's window was judged at, so the starts it allowed are the ones recorded.
-- Returns the compact claimed rows of claimed-rows.ts, as claim_jobs.sql does.
WITH claimed AS (
  UPDATE {{schema}}.jobs AS j
  SET state = 'running', attempt = j.attempt + 1, worker_id = $2,
      lease_expires_at = now() + $3 * interval '1 millisecond', started_at = COALESCE(to_timestamp($4::float8 / 1000), now()), progress = NULL
  WHERE j.id = ANY($1::bigint[]) AND j.state IN ('pending','scheduled','retrying')
  RETURNING j.*
),
{{claimed_rows}}
