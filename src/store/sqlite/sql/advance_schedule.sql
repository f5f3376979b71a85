-- The compare-and-set of a firing: succeeds (one row) only for the firer that read @due_at,
-- while the schedule is active. @last_tick_at NULL (no job this time) keeps the last one.
UPDATE errand_schedules
SET next_tick_at = @next_tick_at,
    last_tick_at = COALESCE(@last_tick_at, last_tick_at)
WHERE name = @name AND paused = 0 AND next_tick_at = @due_at;
