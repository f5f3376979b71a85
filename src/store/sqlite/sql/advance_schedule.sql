-- Moves a firing's schedule on, in the write transaction where get_due_schedule.sql found it
-- waiting for @due_at: the conditions hold, and stay only as a guard. @last_tick_at NULL (no
-- job this time) keeps the last one.
UPDATE errand_schedules
SET next_tick_at = @next_tick_at,
    last_tick_at = COALESCE(@last_tick_at, last_tick_at)
WHERE name = @name AND paused = 0 AND next_tick_at = @due_at;
