-- $1 id of a flow node just replayed (in the same transaction, after lock_parents_of_job.sql).
-- Its edges to its children wait for its next ending again: a child still blocked (waiting on
-- other parents) counts it again, so it is not released before the replay has run; a child
-- canceled while it waited (or failed) waits for it when replayed itself. A child already
-- released, running or ended is left as it is, and release_children.sql skips it (not blocked).
-- Children are locked in id order, as release_children.sql locks them, so the two never deadlock.
WITH edges AS (
  UPDATE {{schema}}.job_dependencies SET resolved = false
  WHERE parent_id = $1 AND resolved
  RETURNING child_id
),
blocked AS (
  SELECT c.id FROM {{schema}}.jobs AS c
  WHERE c.id = ANY (ARRAY(SELECT child_id FROM edges)) AND c.state = 'blocked'
  ORDER BY c.id
  FOR UPDATE
)
UPDATE {{schema}}.jobs AS c SET parents_waiting = c.parents_waiting + 1
WHERE c.id = ANY (ARRAY(SELECT id FROM blocked));
