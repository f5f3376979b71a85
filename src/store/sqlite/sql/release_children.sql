-- @ended: JSON array of {id, state} of flow nodes that just ended. Each blocked child counts
-- the parents among them it still waited for (unresolved edges only: a parent's ending applies
-- once; a replayed parent's edges wait again, see rewait_children.sql). A child of a failed or canceled parent is canceled unless its policy
-- is 'continue'; one left with no parent waiting is released: pending, or scheduled if its run
-- time is ahead. Returns the children changed; the canceled ones ended, and their own children
-- are settled next; the pending ones' queues are announced to this process's workers.
UPDATE errand_jobs AS c
SET parents_waiting = c.parents_waiting - e.n,
    state = CASE
      WHEN e.bad > 0 AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN 'canceled'
      WHEN c.parents_waiting - e.n > 0 THEN 'blocked'
      WHEN c.run_at > @now THEN 'scheduled'
      ELSE 'pending' END,
    finished_at = CASE
      WHEN e.bad > 0 AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel' THEN @now
      ELSE c.finished_at END,
    -- Said in its errors, as a handler's own cancel is: else it looks canceled by someone.
    errors = CASE
      WHEN e.bad > 0 AND COALESCE(c.on_parent_failure, 'cancel') = 'cancel'
      THEN json_insert(c.errors, '$[#]', json_object('attempt', c.attempt, 'message',
        'canceled with its flow: a job it waits for failed or was canceled (onParentFailure: cancel)',
        'code', 'parent_failed', 'stack', NULL, 'at', @now))
      ELSE c.errors END
FROM (
  SELECT d.child_id, count(*) AS n, sum(p.value ->> 'state' <> 'completed') AS bad
  FROM json_each(@ended) AS p
  JOIN errand_job_dependencies AS d ON d.parent_id = p.value ->> 'id' AND d.resolved = 0
  GROUP BY d.child_id
) AS e
WHERE c.id = e.child_id AND c.state = 'blocked'
RETURNING id, state, queue, flow_id, batch_id;
