-- $1 queue[] $2 queue budget[] (NULL: no queue limit) $3 limited type[] $4 its queue[]
-- $5 its budget[] $6 limit $7 group key[] (locked by lock_claimable_groups.sql in this transaction)
-- $8 rows looked at per queue with type limits.
-- The jobs a claim that enforces limits or takes grouped jobs may choose from, locked (SKIP
-- LOCKED), best first; claimJobs picks within the budgets and claims by id.
-- - A queue without type limits: its best ungrouped jobs, as claim_jobs.sql takes them.
-- - A queue with type limits: its first $8 ungrouped jobs, whatever their type, of which each
--   limited type gives at most its budget and every other type at most the claim's take.
--   Looking at a bounded number of rows keeps such a claim cheap however long the limited
--   types' backlog (nothing indexes jobs by type: that would cost every enqueue); the price
--   is that in a queue shared with other types, jobs behind more than $8 waiting ones are not
--   seen until those shrink. Give a limited type its own queue.
-- - The grouped members whose turn it is (see group_turns; a group's limit is at most 10 000)
--   in the locked groups.
WITH lim AS (
  SELECT * FROM unnest($3::text[], $4::text[], $5::int[]) AS l(type, queue, budget)
),
q AS (
  SELECT u.name, LEAST($6, COALESCE(u.budget, $6)) AS take,
         EXISTS (SELECT 1 FROM lim WHERE lim.queue = u.name) AS typed
  FROM unnest($1::text[], $2::int[]) AS u(name, budget)
  WHERE COALESCE(u.budget, 1) > 0
    AND NOT EXISTS (SELECT 1 FROM {{schema}}.paused_queues AS p WHERE p.queue = u.name)
),
plain AS (
  SELECT w.* FROM q CROSS JOIN LATERAL (
    SELECT id, type, queue, group_key, priority, run_at FROM {{schema}}.jobs
    WHERE queue = q.name AND state IN ('pending','scheduled','retrying') AND run_at <= now() AND group_key IS NULL
    ORDER BY priority DESC, run_at, id
    LIMIT q.take
    FOR UPDATE SKIP LOCKED
  ) AS w
  WHERE NOT q.typed
),
examined AS (
  SELECT w.*, q.take FROM q CROSS JOIN LATERAL (
    SELECT id, type, queue, priority, run_at FROM {{schema}}.jobs
    WHERE queue = q.name AND state IN ('pending','scheduled','retrying') AND run_at <= now() AND group_key IS NULL
    ORDER BY priority DESC, run_at, id
    LIMIT $8
  ) AS w
  WHERE q.typed
),
wanted AS (
  SELECT e.id FROM (
    SELECT e.id, LEAST(e.take, COALESCE(lim.budget, e.take)) AS most,
           row_number() OVER (PARTITION BY e.queue, e.type ORDER BY e.priority DESC, e.run_at, e.id) AS place
    FROM examined AS e LEFT JOIN lim ON lim.queue = e.queue AND lim.type = e.type
  ) AS e
  WHERE e.place <= e.most
),
-- The wanted ids go in as an array, whose length the planner cannot see, so they are looked up
-- by primary key; as `id IN (SELECT …)` the planner hashed them and scanned the whole table.
typed AS (
  SELECT id, type, queue, group_key, priority, run_at FROM {{schema}}.jobs
  WHERE id = ANY (ARRAY(SELECT id FROM wanted)) AND state IN ('pending','scheduled','retrying') AND run_at <= now()
  FOR UPDATE SKIP LOCKED
),
grouped AS (
  SELECT id, type, queue, group_key, priority, run_at FROM {{schema}}.jobs
  WHERE id IN (SELECT t.id FROM unnest($7::text[]) AS g(key) CROSS JOIN LATERAL {{schema}}.group_turns(g.key, 10000) AS t)
    AND queue IN (SELECT name FROM q) AND state IN ('pending','scheduled','retrying') AND run_at <= now()
  FOR UPDATE SKIP LOCKED
)
SELECT c.id::text AS id, c.type, c.queue, c.group_key
FROM (SELECT * FROM plain UNION ALL SELECT * FROM typed UNION ALL SELECT * FROM grouped) AS c
ORDER BY c.priority DESC, c.run_at, c.id;
