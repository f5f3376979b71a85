-- @queues JSON [[queue, budget or null (no queue limit)], ...] @limited JSON [[type, queue,
-- budget], ...] @limit @now. The ungrouped jobs a claim that enforces limits may choose from,
-- best first; claimJobs picks within the budgets. Per queue with budget left: its jobs of
-- types without a limit there; per type limit with budget left: its jobs in its queue.
-- Columns in ClaimableValues' order (rows.ts): the store reads these rows raw, as arrays.
WITH q AS (
  SELECT json_extract(value, '$[0]') AS name, json_extract(value, '$[1]') AS budget FROM json_each(@queues)
),
open_q AS (
  SELECT name FROM q
  WHERE (budget IS NULL OR budget > 0) AND name NOT IN (SELECT queue FROM errand_paused_queues)
),
lim AS (
  SELECT json_extract(value, '$[0]') AS type, json_extract(value, '$[1]') AS queue,
         json_extract(value, '$[2]') AS budget
  FROM json_each(@limited)
)
SELECT j.id, j.type, j.queue, j.state, j.payload, j.priority, j.attempt, j.max_attempts,
       j.timeout_ms, j.backoff, j.errors, j.idempotency_key, j.created_at, j.run_at,
       j.correlation_id, j.webhook_url, j.group_key, j.group_limit, j.flow_id, j.flow_node, j.on_parent_failure,
       j.batch_id
FROM open_q
JOIN errand_jobs AS j ON j.id IN (
  SELECT w.id FROM errand_jobs AS w
  WHERE w.queue = open_q.name AND w.state IN ('pending','scheduled','retrying') AND w.run_at <= @now
    AND w.group_key IS NULL AND w.type NOT IN (SELECT type FROM lim WHERE lim.queue = open_q.name)
  ORDER BY w.priority DESC, w.run_at, w.id
  LIMIT @limit
)
UNION ALL
SELECT j.id, j.type, j.queue, j.state, j.payload, j.priority, j.attempt, j.max_attempts,
       j.timeout_ms, j.backoff, j.errors, j.idempotency_key, j.created_at, j.run_at,
       j.correlation_id, j.webhook_url, j.group_key, j.group_limit, j.flow_id, j.flow_node, j.on_parent_failure,
       j.batch_id
FROM open_q
JOIN lim ON lim.queue = open_q.name AND lim.budget > 0
JOIN errand_jobs AS j ON j.id IN (
  SELECT w.id FROM errand_jobs AS w
  WHERE w.queue = open_q.name AND w.type = lim.type AND w.state IN ('pending','scheduled','retrying')
    AND w.run_at <= @now AND w.group_key IS NULL
  ORDER BY w.priority DESC, w.run_at, w.id
  LIMIT @limit
)
-- Order: the caller merges these with grouped members and sorts them all.
;
