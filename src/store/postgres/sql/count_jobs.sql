-- $1 queue[] or NULL for all queues. Ended jobs are counted from their tallies and the changes
-- not yet folded into them (migration 012),
-- the others from their rows, each branch through the partial index that holds just those rows
-- (jobs_waiting, jobs_waiting_grouped, jobs_blocked, jobs_leases: a lease is set exactly while a
-- job runs), so a count reads the jobs not yet ended, however many ended ones are kept.
SELECT queue, state AS visible_state, sum(n) AS n
FROM (
  SELECT queue, state, n FROM {{schema}}.ended_tallies
  UNION ALL
  SELECT queue, state, n FROM {{schema}}.ended_tally_changes
) AS tallied
WHERE $1::text[] IS NULL OR queue = ANY($1::text[])
GROUP BY queue, state
HAVING sum(n) <> 0
UNION ALL
SELECT queue, visible_state, count(*) AS n FROM (
  SELECT queue, {{schema}}.visible_state(state, run_at) AS visible_state FROM {{schema}}.jobs
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL
  UNION ALL
  SELECT queue, {{schema}}.visible_state(state, run_at) FROM {{schema}}.jobs
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL
  UNION ALL
  SELECT queue, 'blocked' FROM {{schema}}.jobs WHERE state = 'blocked'
  UNION ALL
  -- Not `IS NOT NULL`, which says the same: without statistics (autovacuum off, nothing analyzed
  -- yet) the planner takes that to match nearly every row and scans the table.
  SELECT queue, 'running' FROM {{schema}}.jobs
  WHERE state = 'running' AND lease_expires_at BETWEEN '-infinity' AND 'infinity'
) AS unended
WHERE $1::text[] IS NULL OR queue = ANY($1::text[])
GROUP BY queue, visible_state;
