-- @id: a flow node just replayed (after rewait_children.sql). Its edges wait for its next ending
-- again: release_children.sql applies it to the children still blocked, and a child canceled
-- while it waited waits for it when replayed itself (retry_job.sql counts unresolved edges).
UPDATE errand_job_dependencies SET resolved = 0 WHERE parent_id = @id AND resolved = 1;
