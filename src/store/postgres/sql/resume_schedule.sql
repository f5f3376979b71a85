-- $1 name $2 next_tick_at. Ticks that passed while paused are not misfires: a resumed schedule
-- starts from $2 (the first tick after now). Resuming an active schedule changes no tick.
UPDATE {{schema}}.schedules AS s
SET next_tick_at = CASE WHEN paused THEN $2 ELSE next_tick_at END,
    paused = false,
    updated_at = now()
WHERE name = $1
RETURNING {{schedule_row}};
