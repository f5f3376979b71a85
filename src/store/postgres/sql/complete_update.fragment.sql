-- The update of both completion statements (complete_jobs.sql, complete_plain_jobs.sql), each
-- of which adds what it returns (and complete_plain_jobs.sql a condition of its own).
-- $1 id[] $2 attempt[] $3 worker_id[] (see lease_held.fragment.sql) $4 result[] (JSON text or
-- NULL). A row changes only while the completing worker still holds the lease. worker_id stays:
-- the job records which worker completed it, and a completion sent again under the same lease
-- (its first commit's reply lost) is recognised (completed_under_leases.sql).
-- Each statement tallies its completions itself (tally_completed.fragment.sql); the setting,
-- made for its transaction before the first row changes (a subquery of the condition runs once,
-- first), tells the trigger of migration 012 to leave them to it.
UPDATE {{schema}}.jobs AS j
SET state = 'completed', result = ($4::text[])[width_bucket(j.id, $1::bigint[])]::json,
    progress = 100, finished_at = now(), lease_expires_at = NULL
WHERE (SELECT set_config('errand.completions_tallied', 'on', true)) = 'on'
  AND {{lease_held}}
