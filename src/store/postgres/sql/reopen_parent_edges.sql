-- $1 id of a job about to be replayed (after lock_parents_of_job.sql, before retry_job.sql, in
-- their transaction). A flow node that runs only once its parents completed (on_parent_failure
-- 'cancel'), and was canceled or failed with a parent that did not complete, would find that
-- parent's edge resolved, and run at once without the parent's result. Its edges to parents that
-- have not completed wait again: it stays blocked until they are replayed and complete (and if
-- one fails again, it is canceled again). retry_job.sql counts them as it counts any unresolved
-- edge; a parent's replay (rewait_children.sql) finds them unresolved already and adds nothing.
UPDATE {{schema}}.job_dependencies AS d SET resolved = false
FROM {{schema}}.jobs AS child, {{schema}}.jobs AS parent
WHERE d.child_id = $1 AND d.resolved
  AND child.id = d.child_id AND child.state IN ('failed', 'canceled') AND child.on_parent_failure = 'cancel'
  AND parent.id = d.parent_id AND parent.state <> 'completed';
