-- The columns of a claimed row (claimed-rows.ts), from `c`, the claim's updated rows.
-- started_at and lease_expires_at are alike for every row of one claim: sent once, on the row
-- returned first. The window is ordered as the statement's rows are (its ORDER BY must match):
-- row_number() OVER () would number the rows in the order the update wrote them, before the
-- sort, and the first row returned would often not be row 1. The one sort serves both.
c.id, c.type, c.queue, c.payload, c.priority, c.attempt, c.max_attempts, c.timeout_ms, c.backoff::text,
NULLIF(c.errors, '[]'), c.idempotency_key, c.created_at, c.run_at, c.correlation_id, c.webhook_url,
c.group_key, c.group_limit, c.flow_id, c.flow_node, c.on_parent_failure, c.batch_id,
CASE WHEN row_number() OVER returned = 1 THEN c.started_at END,
CASE WHEN row_number() OVER returned = 1 THEN c.lease_expires_at END
