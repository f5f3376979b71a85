-- @state: one ended state. Deletes at most @limit of its jobs, oldest first, that finished
-- more than @older_than_ms before @now, or that are not among the newest @keep_newest (a NULL
-- turns that rule off). Jobs still owing their webhook are kept until it is enqueued.
-- Each call is its own short transaction, so claims and completions wait for at most one.
-- Both rules cut the state's jobs at a point in (finished_at, id) order, so the later cut is
-- the one bound, and the delete is one range scan of errand_jobs_ended from its start: a sweep
-- with nothing to delete reads next to nothing, however many jobs are kept. (The literal state
-- list lets the planner use that partial index.)
-- A flow parent stays while one of its children has not completed: a child still to run reads
-- the parent's result, and so does a failed or canceled one when it is replayed. Only a
-- completed child never runs again (replay takes failed and canceled jobs), so no replay can
-- race the delete into losing its parent, whatever the delete's snapshot saw. The rows that
-- hang off the deleted jobs (their flow edges, emptied flows, the batch of a deleted
-- onComplete job) go in the same transaction, by the delete_*_of_jobs statements, from the ids
-- and flow ids this one returns.
WITH cuts(finished_at, id) AS (
  -- Ids start at 1, so (cutoff, 0) is before every job that finished at the cutoff.
  SELECT @now - @older_than_ms, 0 WHERE @older_than_ms IS NOT NULL
  UNION ALL
  SELECT * FROM (
    SELECT n.finished_at, n.id + 1 FROM errand_jobs AS n
    WHERE n.state IN ('completed','failed','canceled') AND n.state = @state AND @keep_newest IS NOT NULL
    ORDER BY n.finished_at DESC, n.id DESC
    LIMIT 1 OFFSET coalesce(@keep_newest, 0)
  )
),
bound AS (
  SELECT finished_at, id FROM cuts ORDER BY finished_at DESC, id DESC LIMIT 1
)
DELETE FROM errand_jobs
WHERE id IN (
  SELECT j.id FROM errand_jobs AS j
  WHERE j.state IN ('completed','failed','canceled') AND j.state = @state
    -- The first comparison bounds the index scan; the second is the exact cut.
    AND j.finished_at <= (SELECT finished_at FROM bound)
    AND (j.finished_at, j.id) < (SELECT finished_at, id FROM bound)
    AND j.webhook_pending = 0
    AND NOT EXISTS (
      SELECT 1 FROM errand_job_dependencies AS d JOIN errand_jobs AS c ON c.id = d.child_id
      WHERE d.parent_id = j.id AND c.state <> 'completed'
    )
  ORDER BY j.finished_at, j.id
  LIMIT @limit
)
RETURNING id, queue, flow_id;
