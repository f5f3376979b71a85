-- @queues JSON array. Whether any grouped job waits in these queues (runnable now or not):
-- while none does, claims take the plain path of select_claimable.sql.
SELECT EXISTS (
  SELECT 1 FROM json_each(@queues) AS q
  JOIN errand_jobs AS w ON w.queue = q.value
  WHERE w.state IN ('pending','scheduled','retrying') AND w.group_key IS NOT NULL
) AS waiting;
