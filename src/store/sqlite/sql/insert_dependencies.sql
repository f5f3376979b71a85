-- @edges: JSON array of {parent_id, child_id, position}.
INSERT INTO errand_job_dependencies (parent_id, child_id, position)
SELECT value ->> 'parent_id', value ->> 'child_id', value ->> 'position' FROM json_each(@edges);
