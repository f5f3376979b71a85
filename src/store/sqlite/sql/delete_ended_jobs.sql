-- @state: one ended state. Deletes at most @limit of its jobs, oldest first, that finished
-- more than @older_than_ms before @now, or that are not among the newest @keep_newest (a NULL
-- turns that rule off). Jobs still owing their webhook are kept until it is enqueued.
-- Each call is its own short transaction, so claims and completions wait for at most one.
-- The literal state list lets the planner use errand_jobs_ended (a partial index).
-- Tables that hang off a job (flows, batches) are cleaned up here too, as they are added.
DELETE FROM errand_jobs
WHERE id IN (
  SELECT j.id FROM errand_jobs AS j
  WHERE j.state IN ('completed','failed','canceled') AND j.state = @state
    AND j.webhook_pending = 0
    AND (
      (@older_than_ms IS NOT NULL AND j.finished_at < @now - @older_than_ms)
      OR (@keep_newest IS NOT NULL AND (j.finished_at, j.id) <= (
        SELECT n.finished_at, n.id FROM errand_jobs AS n
        WHERE n.state IN ('completed','failed','canceled') AND n.state = @state
        ORDER BY n.finished_at DESC, n.id DESC
        LIMIT 1 OFFSET coalesce(@keep_newest, 0)
      ))
    )
  ORDER BY j.finished_at, j.id
  LIMIT @limit
);
