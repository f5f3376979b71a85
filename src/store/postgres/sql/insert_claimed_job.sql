-- One job inserted already claimed by a worker of the enqueuing process (Store.insertClaimedJob):
-- the row a claim_jobs.sql of it would leave, written by the insert itself, so the job starts
-- one round trip after enqueue() is called instead of two (insert, then claim).
-- Only for a job a claim would take at once (no delay, group, flow or batch): the caller checks.
-- Committed durably, unlike a claim: this is the enqueue. No NOTIFY: the job needs no worker.
-- No row back, nothing written, when the queue is paused (checked as claim_jobs.sql does) or
-- the idempotency key exists; the caller then inserts it with insertJobs, as any enqueue.
-- $1 payload (JSON text) $2 type $3 queue $4 priority $5 max_attempts $6 timeout_ms $7 backoff
-- $8 idempotency_key $9 correlation_id $10 webhook_url $11 worker_id $12 lease_ms
INSERT INTO {{schema}}.jobs
  (type, queue, state, payload, priority, attempt, max_attempts, timeout_ms, backoff, idempotency_key, run_at,
   started_at, worker_id, lease_expires_at, correlation_id, webhook_url, webhook_pending)
SELECT $2::text, $3::text, 'running', $1::json, $4::int, 1, $5::int, $6::int, $7::jsonb, $8::text, now(),
       now(), $11::text, now() + $12::bigint * interval '1 millisecond', $9::text, $10::text, $10::text IS NOT NULL
WHERE NOT EXISTS (SELECT 1 FROM {{schema}}.paused_queues AS p WHERE p.queue = $3::text)
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id::text, created_at, lease_expires_at;
