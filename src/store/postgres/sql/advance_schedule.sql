-- The compare-and-set of a firing: succeeds (one row) only for the firer that read $2, while
-- the schedule is active. $1 name $2 due_at $3 next_tick_at $4 last_tick_at (NULL: no job this
-- time; the last one is kept).
UPDATE {{schema}}.schedules
SET next_tick_at = $3,
    last_tick_at = COALESCE($4, last_tick_at)
WHERE name = $1 AND NOT paused AND next_tick_at = $2
RETURNING name;
