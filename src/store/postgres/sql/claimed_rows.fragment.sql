-- The end of both claim statements, after their `claimed AS (UPDATE … RETURNING j.*)`: the
-- compact rows of claimed-rows.ts, best job first.
-- A claim need not wait for its WAL flush: if the server crashed before the flush, the claim
-- is undone and the job is simply waiting again; the worker that ran it meanwhile is fenced
-- out by its worker id, as after any lost lease. Skipping the flush takes one fsync off every
-- job's path from enqueue to handler start. (is_local: for this statement's transaction only.)
-- started_at and lease_expires_at are alike for every row of one claim: sent once, on the row
-- returned first. The window is the ORDER BY's (one sort serves both): row_number() OVER ()
-- would number rows in the order the update wrote them, and row 1 would often not come first.
no_flush AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)
SELECT
  c.id, c.type, c.queue, c.payload, c.priority, c.attempt, c.max_attempts, c.timeout_ms, c.backoff::text,
  NULLIF(c.errors, '[]'), c.idempotency_key, c.created_at, c.run_at, c.correlation_id, c.webhook_url,
  c.group_key, c.group_limit, c.flow_id, c.flow_node, c.on_parent_failure, c.batch_id,
  CASE WHEN row_number() OVER returned = 1 THEN c.started_at END,
  CASE WHEN row_number() OVER returned = 1 THEN c.lease_expires_at END
FROM claimed AS c CROSS JOIN no_flush
WINDOW returned AS (ORDER BY c.priority DESC, c.run_at, c.id)
ORDER BY c.priority DESC, c.run_at, c.id;
