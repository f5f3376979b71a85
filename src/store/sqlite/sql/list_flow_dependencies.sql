SELECT d.parent_id, d.child_id
FROM errand_jobs AS c
JOIN errand_job_dependencies AS d ON d.child_id = c.id
WHERE c.flow_id = @flow_id
ORDER BY d.child_id, d.position;
