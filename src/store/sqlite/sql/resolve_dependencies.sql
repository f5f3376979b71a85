-- @ended: JSON array of {id} whose endings release_children.sql just applied.
UPDATE errand_job_dependencies SET resolved = 1
WHERE resolved = 0 AND parent_id IN (SELECT value ->> 'id' FROM json_each(@ended));
