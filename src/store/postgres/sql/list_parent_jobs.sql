-- $1 child id
SELECT {{job_row}}
FROM {{schema}}.job_dependencies AS d
JOIN {{schema}}.jobs AS j ON j.id = d.parent_id
WHERE d.child_id = $1
ORDER BY j.id;
