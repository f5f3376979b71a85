-- Positional parameters (binding them is measurably cheaper than named ones on this hot path):
-- type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, created_at, run_at,
-- correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
-- on_parent_failure, batch_id
INSERT INTO errand_jobs
  (type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, created_at, run_at,
   correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
   on_parent_failure, batch_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING;
