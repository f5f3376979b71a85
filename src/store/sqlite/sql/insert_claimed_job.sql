-- One job inserted already claimed by a worker of this process (Store.insertClaimedJob): the row
-- claim_jobs.sql would leave, written by the insert itself, so the job starts without a claim.
-- Only for a job a claim would take at once (no delay, group, flow or batch): the caller checks.
-- Nothing is written when the queue is paused (checked as select_claimable.sql does) or the
-- idempotency key exists; the caller then inserts it with the usual statements.
INSERT INTO errand_jobs
  (type, queue, state, payload, priority, attempt, max_attempts, timeout_ms, backoff, idempotency_key, created_at,
   run_at, started_at, worker_id, lease_expires_at, correlation_id, webhook_url, webhook_pending)
SELECT @type, @queue, 'running', @payload, @priority, 1, @max_attempts, @timeout_ms, @backoff, @idempotency_key, @now,
       @now, @now, @worker_id, @lease_expires_at, @correlation_id, @webhook_url, @webhook_url IS NOT NULL
WHERE NOT EXISTS (SELECT 1 FROM errand_paused_queues AS p WHERE p.queue = @queue)
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING;
