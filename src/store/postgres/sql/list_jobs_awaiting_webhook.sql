-- $1 limit. Ended jobs whose webhook delivery has not been enqueued yet, oldest first
-- (served by jobs_webhook_pending).
SELECT {{job_row}}
FROM {{schema}}.jobs AS j
WHERE webhook_pending AND state IN ('completed','failed','canceled')
ORDER BY id
LIMIT $1;
