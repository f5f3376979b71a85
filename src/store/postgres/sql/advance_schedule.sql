-- Moves a firing's schedule on, after lock_due_schedule.sql found it waiting for $2 and locked
-- it: the conditions hold, and stay only as a guard. $1 name $2 due_at $3 next_tick_at
-- $4 last_tick_at (NULL: no job this time; the last one is kept).
UPDATE {{schema}}.schedules
SET next_tick_at = $3,
    last_tick_at = COALESCE($4, last_tick_at)
WHERE name = $1 AND NOT paused AND next_tick_at = $2;
