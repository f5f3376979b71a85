-- @id: a job about to be replayed (before retry_job.sql, in its transaction). A flow node that
-- runs only once its parents completed (on_parent_failure 'cancel'), and was canceled or failed
-- with a parent that did not complete, would find that parent's edge resolved, and run at once
-- without the parent's result. Its edges to parents that have not completed wait again: it
-- stays blocked until they are replayed and complete (and if one fails again, it is canceled
-- again). retry_job.sql counts them as it counts any unresolved edge.
UPDATE errand_job_dependencies SET resolved = 0
WHERE child_id = @id AND resolved = 1
  AND EXISTS (
    SELECT 1 FROM errand_jobs AS child
    WHERE child.id = @id AND child.state IN ('failed', 'canceled') AND child.on_parent_failure = 'cancel'
  )
  AND EXISTS (SELECT 1 FROM errand_jobs AS parent WHERE parent.id = errand_job_dependencies.parent_id AND parent.state <> 'completed');
