-- @id: a flow node just replayed, in the same write transaction; unresolve_child_edges.sql runs
-- next. A child still blocked (waiting on other parents) counts it again, so it is not released
-- before the replay has run. A child already released, running or ended is left as it is.
UPDATE errand_jobs SET parents_waiting = parents_waiting + 1
WHERE state = 'blocked'
  AND id IN (SELECT child_id FROM errand_job_dependencies WHERE parent_id = @id AND resolved = 1);
