-- $1 queue[]. Whether any grouped job waits in these queues (runnable now or not): while none
-- does, claims take the one-statement path of claim_jobs.sql.
SELECT EXISTS (
  SELECT 1 FROM unnest($1::text[]) AS q(name)
  CROSS JOIN LATERAL (
    SELECT 1 FROM {{schema}}.jobs
    WHERE queue = q.name AND state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL
    LIMIT 1
  ) AS w
) AS waiting;
