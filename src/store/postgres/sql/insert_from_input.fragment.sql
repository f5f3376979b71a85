-- The insert of both enqueue statements (insert_jobs.sql, insert_job.sql): every column of a
-- new job, from their CTE `input`, whose id was drawn from the sequence already. A job with a
-- webhook_url owes its webhook from the start (webhook_pending).
INSERT INTO {{schema}}.jobs
  (id, type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, run_at,
   correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
   on_parent_failure, batch_id)
OVERRIDING SYSTEM VALUE
SELECT id, type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, run_at,
       correlation_id, webhook_url, webhook_url IS NOT NULL, group_key, group_limit, flow_id, flow_node,
       parents_waiting, on_parent_failure, batch_id
FROM input
