-- Inserts a chunk of jobs that have no idempotency key, so none can conflict. The store
-- prepares it with the VALUES tuple repeated once per row (see statements.ts): one statement
-- per chunk instead of one per job doubles bulk-insert speed. Rows get consecutive ids in order.
-- Per row: type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, created_at, run_at,
-- correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
-- on_parent_failure, batch_id
INSERT INTO errand_jobs
  (type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, created_at, run_at,
   correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
   on_parent_failure, batch_id)
VALUES
  (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
