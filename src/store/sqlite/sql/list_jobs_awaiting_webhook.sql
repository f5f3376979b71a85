-- Ended jobs whose webhook delivery has not been enqueued yet (see errand_jobs_webhook_pending).
SELECT * FROM errand_jobs
WHERE webhook_pending = 1 AND state IN ('completed','failed','canceled')
ORDER BY id
LIMIT @limit;
