-- @edges: JSON array of {parent_id, child_id}.
INSERT INTO errand_job_dependencies (parent_id, child_id)
SELECT value ->> 'parent_id', value ->> 'child_id' FROM json_each(@edges);
