-- $1 flow id
SELECT d.parent_id, d.child_id
FROM {{schema}}.jobs AS c
JOIN {{schema}}.job_dependencies AS d ON d.child_id = c.id
WHERE c.flow_id = $1
ORDER BY d.child_id, d.position;
