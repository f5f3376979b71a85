-- $1 id[] (ascending, no id twice) of flow nodes that just ended $2 bad[]: whether each ended
-- other than completed $3 the NOTIFY channel. Each blocked child counts the parents among them
-- it still waited for (unresolved edges only: a parent's ending applies once; a replayed
-- parent's edges wait again, see rewait_children.sql).
-- A child of a failed or canceled parent is canceled unless its policy is 'continue'; one left
-- with no parent waiting is released: pending, or scheduled if its run time is ahead. Returns
-- the children changed; the canceled ones ended, and their own children are settled next.
-- Every row is found by its key, never through a join that the planner, with statistics taken
-- when no job was blocked, could turn into a scan of a whole table (see lease_held.fragment.sql):
-- how a parent ended is its entry in $2, found by binary search over $1 (width_bucket), and what
-- a child counts (parents ended, any of them badly) is its entry in the arrays of `next`,
-- found the same way.
WITH edges AS (
  UPDATE {{schema}}.job_dependencies AS d SET resolved = true
  WHERE d.parent_id = ANY (ARRAY(SELECT unnest($1::bigint[]))) AND NOT d.resolved
  RETURNING d.child_id, ($2::boolean[])[width_bucket(d.parent_id, $1::bigint[])] AS bad
),
-- Locked one at a time, in id order, so endings sharing children never deadlock.
children AS (
  SELECT c.id, e.n, e.bad
  FROM (SELECT child_id, count(*) AS n, bool_or(bad) AS bad FROM edges GROUP BY child_id ORDER BY child_id) AS e
  CROSS JOIN LATERAL (SELECT id FROM {{schema}}.jobs WHERE id = e.child_id AND state = 'blocked' FOR UPDATE) AS c
),
-- Arrays of fixed-width values only: reading element k of a text array walks the k before it.
-- MATERIALIZED: referenced once, it would be inlined into `changed` and aggregated again for
-- every row that statement updates.
next AS MATERIALIZED (
  SELECT array_agg(id ORDER BY id) AS ids, array_agg(n ORDER BY id) AS n, array_agg(bad ORDER BY id) AS bad FROM children
),
changed AS (
  UPDATE {{schema}}.jobs AS c
  SET parents_waiting = c.parents_waiting - k.n[width_bucket(c.id, k.ids)],
      state = CASE
        WHEN k.bad[width_bucket(c.id, k.ids)] AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN 'canceled'
        WHEN c.parents_waiting - k.n[width_bucket(c.id, k.ids)] > 0 THEN 'blocked'
        WHEN c.run_at > now() THEN 'scheduled'
        ELSE 'pending' END,
      finished_at = CASE
        WHEN k.bad[width_bucket(c.id, k.ids)] AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN now()
        ELSE c.finished_at END,
      -- Said in its errors, as a handler's own cancel is: else it looks canceled by someone.
      errors = CASE
        WHEN k.bad[width_bucket(c.id, k.ids)] AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel'
        THEN c.errors || jsonb_build_array(jsonb_build_object('attempt', c.attempt, 'message',
          'canceled with its flow: a job it waits for failed or was canceled (onParentFailure: cancel)',
          'code', 'parent_failed', 'stack', NULL, 'at', now()))
        ELSE c.errors END
  FROM next AS k
  WHERE c.id = ANY (ARRAY(SELECT id FROM children)) AND c.state = 'blocked'
  RETURNING c.id, c.state, c.queue, c.flow_id, c.batch_id
),
notified AS (
  SELECT count(pg_notify($3, q.queue)) AS n FROM (SELECT DISTINCT queue FROM changed WHERE state = 'pending') AS q
)
SELECT changed.id, changed.state, changed.flow_id, changed.batch_id FROM changed CROSS JOIN notified;
