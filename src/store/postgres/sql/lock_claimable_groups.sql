-- $1 queue[] $2 most groups to take $3 start after this group key ('' from the first)
-- $4 stop at this key (NULL: at the last) $5 most groups to visit $6 lock namespace (schema name)
-- The grouped claim's first statement. Visits the groups with members not started, in key order
-- from $3 (one index probe per group: the cost follows the number of groups visited, not their
-- backlogs), and takes a transaction-scoped advisory lock on each group that has a member
-- whose turn it is in these queues; a group another claimer holds is skipped, not waited for.
-- Every claim of a group's jobs holds that group's lock until it commits, and the claim's next
-- statement (lock_claim_candidates.sql) reads with a fresh snapshot taken after the lock: it
-- sees every claim of the group that went before, and none is in flight. So the running count
-- it reads is exact, and two claimers can never both give the group's last slot away. (A
-- statement's snapshot would not do: SKIP LOCKED and a snapshot older than another claimer's
-- commit could see a member still waiting that is already running.)
WITH RECURSIVE groups AS (
  SELECT (SELECT min(group_key) FROM {{schema}}.jobs
          WHERE group_key > $3 AND state IN ('pending','scheduled','retrying','blocked')) AS key,
         1 AS visited
  UNION ALL
  SELECT (SELECT min(group_key) FROM {{schema}}.jobs
          WHERE group_key > g.key AND state IN ('pending','scheduled','retrying','blocked')),
         g.visited + 1
  FROM groups AS g
  WHERE g.key IS NOT NULL AND g.visited < $5 AND ($4::text IS NULL OR g.key < $4)
)
SELECT g.key
FROM groups AS g
WHERE g.key IS NOT NULL AND ($4::text IS NULL OR g.key <= $4)
  AND EXISTS (
    SELECT 1 FROM {{schema}}.jobs AS j
    WHERE j.id IN (SELECT {{schema}}.group_turns(g.key, $2))
      AND j.queue = ANY($1::text[])
      AND NOT EXISTS (SELECT 1 FROM {{schema}}.paused_queues AS p WHERE p.queue = j.queue)
  )
  AND pg_try_advisory_xact_lock(hashtext($6), hashtext(g.key))
LIMIT $2;
