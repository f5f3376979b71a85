SELECT p.*
FROM errand_job_dependencies AS d
JOIN errand_jobs AS p ON p.id = d.parent_id
WHERE d.child_id = @child_id
ORDER BY p.id;
