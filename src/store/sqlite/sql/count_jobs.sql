-- Ended jobs are counted from their tallies (migration 010), the others from their rows, each
-- branch through the partial index that holds just those rows (errand_jobs_waiting,
-- errand_jobs_waiting_grouped, errand_jobs_blocked, errand_jobs_leases), so a count reads the
-- jobs not yet ended, however many ended ones are kept.
SELECT queue, state AS visible_state, n
FROM errand_ended_tallies
WHERE n <> 0 AND (@queues IS NULL OR queue IN (SELECT value FROM json_each(@queues)))
UNION ALL
SELECT queue, visible_state, count(*) AS n FROM (
  SELECT queue, CASE WHEN run_at <= @now AND state IN ('scheduled','retrying') THEN 'pending' ELSE state END AS visible_state
  FROM errand_jobs WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL
  UNION ALL
  SELECT queue, CASE WHEN run_at <= @now AND state IN ('scheduled','retrying') THEN 'pending' ELSE state END
  FROM errand_jobs WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL
  UNION ALL
  SELECT queue, 'blocked' FROM errand_jobs WHERE state = 'blocked'
  UNION ALL
  SELECT queue, 'running' FROM errand_jobs WHERE state = 'running'
)
WHERE @queues IS NULL OR queue IN (SELECT value FROM json_each(@queues))
GROUP BY queue, visible_state;
