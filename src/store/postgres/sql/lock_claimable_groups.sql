-- $1 queue[] $2 most groups to take $3 start after this group key ('' from the first)
-- $4 stop at this key (NULL: at the last) $5 most groups to visit $6 lock namespace (schema name)
-- group_turns reads up to the group's limit (10 000 at most), since any of its turns may be
-- the one that can start now. Visiting stops once $2 groups are locked, $5 are visited, or the keys run out. CASE, not AND:
-- the lock must be tried only for a group with a turn here (AND may be evaluated in any order).
-- The grouped claim's first statement. Visits the groups with members not started, in key order
-- from $3 (one index probe per group: the cost follows the groups visited, not their backlogs),
-- and takes a transaction-scoped advisory lock on each group with a member whose turn it is in
-- these queues; a group another claimer holds is skipped, not waited for.
--
-- Why a group never runs more than its limit, under READ COMMITTED and SKIP LOCKED:
-- 1. Every claim of a group's jobs holds that group's advisory lock from before it reads the
--    group until it commits (locks here, claims in lock_claim_candidates.sql and
--    claim_jobs_by_id.sql, same transaction). Ungrouped claims never take grouped jobs.
-- 2. lock_claim_candidates.sql is a later statement, so its snapshot is taken after this lock
--    was granted: every earlier claim of the group has committed and is visible (its members
--    are seen `running`), and no other claim of the group is in flight. So the running count
--    group_turns() reads is exact, not stale.
-- 3. Nothing but a claim makes a member `running`: completion, failure, cancel, release and
--    lease rescue only take members out of it (a change committed after the snapshot makes the
--    count read high: safe). A member inserted or replayed meanwhile is not running; if it is
--    not yet seen, only the order can suffer (ids order the turns, so one committed late with
--    a smaller id is simply first from then on), never the count.
-- 4. A claim then takes at most (limit - running) members, the first ones not started; those
--    locked by someone else (a cancel in progress) are skipped, never replaced by later ones.
-- Deciding from this statement's own snapshot instead would be wrong: one taken before another
-- claimer committed sees a member still waiting that is already running.
WITH RECURSIVE groups(key, visited, taken, locked) AS (
  -- Not a visit: where visiting starts.
  SELECT $3::text, 0, 0, false
  UNION ALL
  SELECT next.key, g.visited + 1, g.taken + turn.locked::int, turn.locked
  FROM groups AS g
  CROSS JOIN LATERAL (SELECT min(group_key) AS key FROM {{schema}}.jobs
                      WHERE group_key > g.key AND ($4::text IS NULL OR group_key <= $4)
                        AND state IN ('pending','scheduled','retrying','blocked')) AS next
  CROSS JOIN LATERAL (SELECT CASE WHEN next.key IS NOT NULL AND EXISTS (
      SELECT 1 FROM {{schema}}.group_turns(next.key, 10000) AS t
      WHERE t.queue = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM {{schema}}.paused_queues AS p WHERE p.queue = t.queue))
    THEN pg_try_advisory_xact_lock(hashtext($6), hashtext(next.key)) ELSE false END AS locked) AS turn
  WHERE g.key IS NOT NULL AND g.visited < $5 AND g.taken < $2
)
-- The groups locked, then the last one visited (where the next claim carries on).
SELECT key, locked, visited FROM groups WHERE locked
UNION ALL
(SELECT key, false, visited FROM groups WHERE key IS NOT NULL AND visited > 0 ORDER BY visited DESC LIMIT 1);
