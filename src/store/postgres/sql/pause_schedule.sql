-- $1 name
UPDATE {{schema}}.schedules SET paused = true, updated_at = now() WHERE name = $1 RETURNING *;
