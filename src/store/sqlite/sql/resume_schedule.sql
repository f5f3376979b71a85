-- Ticks that passed while paused are not misfires: a resumed schedule starts from
-- @next_tick_at (the first tick after now). Resuming an active schedule changes no tick.
UPDATE errand_schedules
SET next_tick_at = CASE WHEN paused = 1 THEN @next_tick_at ELSE next_tick_at END,
    paused = 0,
    updated_at = @now
WHERE name = @name
RETURNING *;
