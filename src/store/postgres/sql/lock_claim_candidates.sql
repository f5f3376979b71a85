-- $1 queue[] $2 queue budget[] (NULL: no queue limit) $3 limited type[] $4 its queue[]
-- $5 its budget[] $6 limit $7 group key[] (locked by lock_claimable_groups.sql in this transaction)
-- The jobs a claim that enforces limits or takes grouped jobs may choose from, locked (SKIP
-- LOCKED), best first; claimJobs picks within the budgets and claims by id. Per queue: its
-- ungrouped jobs of unlimited types; per limited type, its jobs in its queue up to its budget;
-- and the grouped members whose turn it is (see group_turns; a group's limit is at most
-- 10 000) in the locked groups.
WITH lim AS (
  SELECT * FROM unnest($3::text[], $4::text[], $5::int[]) AS l(type, queue, budget)
),
q AS (
  SELECT u.name, LEAST($6, COALESCE(u.budget, $6)) AS take,
         ARRAY(SELECT lim.type FROM lim WHERE lim.queue = u.name) AS limited_types
  FROM unnest($1::text[], $2::int[]) AS u(name, budget)
  WHERE COALESCE(u.budget, 1) > 0
    AND NOT EXISTS (SELECT 1 FROM {{schema}}.paused_queues AS p WHERE p.queue = u.name)
),
unlimited AS (
  SELECT w.* FROM q CROSS JOIN LATERAL (
    SELECT id, type, queue, group_key, priority, run_at FROM {{schema}}.jobs
    WHERE queue = q.name AND state IN ('pending','scheduled','retrying') AND run_at <= now() AND group_key IS NULL
      AND type <> ALL (q.limited_types)
    ORDER BY priority DESC, run_at, id
    LIMIT q.take
    FOR UPDATE SKIP LOCKED
  ) AS w
),
limited AS (
  SELECT w.* FROM q JOIN lim ON lim.queue = q.name AND lim.budget > 0
  CROSS JOIN LATERAL (
    SELECT id, type, queue, group_key, priority, run_at FROM {{schema}}.jobs
    WHERE queue = q.name AND type = lim.type AND state IN ('pending','scheduled','retrying') AND run_at <= now()
      AND group_key IS NULL
    ORDER BY priority DESC, run_at, id
    LIMIT LEAST(q.take, lim.budget)
    FOR UPDATE SKIP LOCKED
  ) AS w
),
grouped AS (
  SELECT id, type, queue, group_key, priority, run_at FROM {{schema}}.jobs
  WHERE id IN (SELECT {{schema}}.group_turns(g.key, 10000) FROM unnest($7::text[]) AS g(key))
    AND queue IN (SELECT name FROM q) AND state IN ('pending','scheduled','retrying') AND run_at <= now()
  FOR UPDATE SKIP LOCKED
)
SELECT c.id::text AS id, c.type, c.queue, c.group_key
FROM (SELECT * FROM unlimited UNION ALL SELECT * FROM limited UNION ALL SELECT * FROM grouped) AS c
ORDER BY c.priority DESC, c.run_at, c.id;
