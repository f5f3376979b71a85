-- @ids: JSON array of deleted job ids. Their flow edges, as parent or as child.
DELETE FROM errand_job_dependencies
WHERE parent_id IN (SELECT value FROM json_each(@ids)) OR child_id IN (SELECT value FROM json_each(@ids));
