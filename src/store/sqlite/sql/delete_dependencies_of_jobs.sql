-- @ids: JSON array of deleted job ids. The flow edges of which they are the child. An edge to
-- a deleted parent stays while its child does: it is how a replay of the child (retry_job.sql)
-- knows the parent it would read is gone.
DELETE FROM errand_job_dependencies WHERE child_id IN (SELECT value FROM json_each(@ids));
