-- $1 id[] (ascending, no id twice) $2 state[] of flow nodes that just ended $3 the NOTIFY
-- channel. Each blocked child counts the parents among them it still waited for (unresolved
-- edges only: a replayed parent ending again changes nothing). A child of a failed or canceled
-- parent is canceled unless its policy is 'continue'; one left with no parent waiting is
-- released: pending, or scheduled if its run time is ahead. Returns the children changed; the
-- canceled ones ended, and their own children are settled next.
-- Every row is found by its key, never through a join that the planner, with statistics taken
-- when no job was blocked, could turn into a scan of a whole table (see lease_held.fragment.sql):
-- a parent's state is its entry in $2, found by binary search over $1 (width_bucket), and a
-- child's next values are its entry in the arrays of `next`, found the same way.
WITH edges AS (
  UPDATE {{schema}}.job_dependencies AS d SET resolved = true
  WHERE d.parent_id = ANY (ARRAY(SELECT unnest($1::bigint[]))) AND NOT d.resolved
  RETURNING d.child_id, ($2::text[])[width_bucket(d.parent_id, $1::bigint[])] AS state
),
-- Locked one at a time, in id order, so endings sharing children never deadlock; each child's
-- next values are decided from the row as locked.
children AS (
  SELECT c.id, c.parents_waiting - e.n AS parents_waiting,
         CASE
           WHEN e.bad AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN 'canceled'
           WHEN c.parents_waiting - e.n > 0 THEN 'blocked'
           WHEN c.run_at > now() THEN 'scheduled'
           ELSE 'pending' END AS state
  FROM (SELECT child_id, count(*) AS n, bool_or(state <> 'completed') AS bad FROM edges GROUP BY child_id ORDER BY child_id) AS e
  CROSS JOIN LATERAL (
    SELECT id, parents_waiting, on_parent_failure, run_at FROM {{schema}}.jobs
    WHERE id = e.child_id AND state = 'blocked'
    FOR UPDATE
  ) AS c
),
next AS (
  SELECT array_agg(id ORDER BY id) AS ids, array_agg(parents_waiting ORDER BY id) AS waiting, array_agg(state ORDER BY id) AS states
  FROM children
),
changed AS (
  UPDATE {{schema}}.jobs AS c
  SET parents_waiting = n.waiting[width_bucket(c.id, n.ids)],
      state = n.states[width_bucket(c.id, n.ids)],
      finished_at = CASE WHEN n.states[width_bucket(c.id, n.ids)] = 'canceled' THEN now() ELSE c.finished_at END
  FROM next AS n
  WHERE c.id = ANY (ARRAY(SELECT id FROM children)) AND c.state = 'blocked'
  RETURNING c.id, c.state, c.queue, c.flow_id, c.batch_id
),
notified AS (
  SELECT count(pg_notify($3, q.queue)) AS n FROM (SELECT DISTINCT queue FROM changed WHERE state = 'pending') AS q
)
SELECT changed.id, changed.state, changed.flow_id, changed.batch_id FROM changed CROSS JOIN notified;
