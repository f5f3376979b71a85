-- Positional parameters (binding them is measurably cheaper than named ones on this hot path):
-- type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, created_at, run_at,
-- correlation_id, webhook_url, webhook_pending
INSERT INTO errand_jobs
  (type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, created_at, run_at,
   correlation_id, webhook_url, webhook_pending)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (idempotency_key) DO NOTHING;
