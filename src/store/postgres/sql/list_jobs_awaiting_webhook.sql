-- $1 limit. Ended jobs whose webhook delivery has not been enqueued yet, oldest first
-- (served by jobs_webhook_pending).
SELECT *, {{schema}}.visible_state(state, run_at) AS visible_state
FROM {{schema}}.jobs
WHERE webhook_pending AND state IN ('completed','failed','canceled')
ORDER BY id
LIMIT $1;
