-- $1 id[] $2 state[] of flow nodes that just ended $3 the NOTIFY channel. Each blocked child
-- counts the parents among them it still waited for (unresolved edges only: a replayed parent
-- ending again changes nothing). A child of a failed or canceled parent is canceled unless its
-- policy is 'continue'; one left with no parent waiting is released: pending, or scheduled if
-- its run time is ahead. Returns the children changed; the canceled ones ended, and their own
-- children are settled next.
WITH ended AS (
  SELECT * FROM unnest($1::bigint[], $2::text[]) AS e(id, state)
),
edges AS (
  UPDATE {{schema}}.job_dependencies AS d SET resolved = true
  FROM ended
  WHERE d.parent_id = ended.id AND NOT d.resolved
  RETURNING d.child_id, ended.state
),
-- Locked in id order, so endings sharing children never deadlock.
children AS (
  SELECT c.id, e.n, e.bad
  FROM (SELECT child_id, count(*) AS n, bool_or(state <> 'completed') AS bad FROM edges GROUP BY child_id) AS e
  JOIN {{schema}}.jobs AS c ON c.id = e.child_id
  WHERE c.state = 'blocked'
  ORDER BY c.id
  FOR UPDATE OF c
),
changed AS (
  UPDATE {{schema}}.jobs AS c
  SET parents_waiting = c.parents_waiting - k.n,
      state = CASE
        WHEN k.bad AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN 'canceled'
        WHEN c.parents_waiting - k.n > 0 THEN 'blocked'
        WHEN c.run_at > now() THEN 'scheduled'
        ELSE 'pending' END,
      finished_at = CASE WHEN k.bad AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN now() ELSE c.finished_at END
  FROM children AS k
  WHERE c.id = k.id AND c.state = 'blocked'
  RETURNING c.id, c.state, c.queue, c.flow_id, c.batch_id
),
notified AS (
  SELECT count(pg_notify($3, q.queue)) AS n FROM (SELECT DISTINCT queue FROM changed WHERE state = 'pending') AS q
)
SELECT changed.id, changed.state, changed.flow_id, changed.batch_id FROM changed CROSS JOIN notified;
