-- $1 name
UPDATE {{schema}}.schedules AS s SET paused = true, updated_at = now() WHERE name = $1
RETURNING {{schedule_row}};
