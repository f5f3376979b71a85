-- $1 id
SELECT id, created_at FROM {{schema}}.flows WHERE id = $1;
