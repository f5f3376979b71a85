-- $1 child id
SELECT p.*, {{schema}}.visible_state(p.state, p.run_at) AS visible_state
FROM {{schema}}.job_dependencies AS d
JOIN {{schema}}.jobs AS p ON p.id = d.parent_id
WHERE d.child_id = $1
ORDER BY p.id;
