-- @queues JSON [[queue, budget or null (no queue limit)], ...] @limited JSON [[type, queue,
-- budget], ...] @limit @examined @now. The ungrouped jobs a claim that enforces limits may
-- choose from; claimJobs picks within the budgets.
-- - A queue without type limits: its best jobs, as select_claimable.sql takes them.
-- - A queue with type limits: its first @examined jobs, whatever their type, of which each
--   limited type gives at most its budget and every other type at most @limit. Looking at a
--   bounded number of rows keeps such a claim cheap however long the limited types' backlog
--   (nothing indexes jobs by type: that would cost every enqueue); the price is that in a
--   queue shared with other types, jobs behind more than @examined waiting ones are not seen
--   until those shrink. Give a limited type its own queue.
-- Columns in ClaimableValues' order (rows.ts): the store reads these rows raw, as arrays.
WITH q AS (
  SELECT json_extract(value, '$[0]') AS name, json_extract(value, '$[1]') AS budget FROM json_each(@queues)
),
lim AS (
  SELECT json_extract(value, '$[0]') AS type, json_extract(value, '$[1]') AS queue,
         json_extract(value, '$[2]') AS budget
  FROM json_each(@limited)
),
open_q AS (
  SELECT name, EXISTS (SELECT 1 FROM lim WHERE lim.queue = q.name) AS typed FROM q
  WHERE (budget IS NULL OR budget > 0) AND name NOT IN (SELECT queue FROM errand_paused_queues)
),
-- Each queue's first jobs in claim order; n: place in the queue, place: place among its type.
walked AS (
  SELECT w.id, w.queue, w.type, open_q.typed,
         row_number() OVER (PARTITION BY w.queue ORDER BY w.priority DESC, w.run_at, w.id) AS n,
         row_number() OVER (PARTITION BY w.queue, w.type ORDER BY w.priority DESC, w.run_at, w.id) AS place
  FROM open_q
  JOIN errand_jobs AS w ON w.id IN (
    SELECT e.id FROM errand_jobs AS e
    WHERE e.queue = open_q.name AND e.state IN ('pending','scheduled','retrying') AND e.run_at <= @now
      AND e.group_key IS NULL
    ORDER BY e.priority DESC, e.run_at, e.id
    LIMIT max(@limit, @examined)
  )
)
SELECT j.id, j.type, j.queue, j.state, j.payload, j.priority, j.attempt, j.max_attempts,
       j.timeout_ms, j.backoff, j.errors, j.idempotency_key, j.created_at, j.run_at,
       j.correlation_id, j.webhook_url, j.group_key, j.group_limit, j.flow_id, j.flow_node, j.on_parent_failure,
       j.batch_id, j.max_attempts - j.replay_attempts
FROM walked
JOIN errand_jobs AS j ON j.id = walked.id
LEFT JOIN lim ON lim.queue = walked.queue AND lim.type = walked.type
WHERE (NOT walked.typed AND walked.n <= @limit)
   OR (walked.typed AND walked.n <= @examined AND walked.place <= min(@limit, coalesce(lim.budget, @limit)));
