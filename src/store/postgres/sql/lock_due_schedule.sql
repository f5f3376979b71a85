-- $1 name $2 due_at. The schedule as it is now, locked for its firing, if it still waits for
-- tick $2 and is active: a concurrent firer waits on the lock, then finds the tick moved. The
-- firing builds its jobs from this row, so a redefinition committed after the schedule was
-- listed as due is the one that fires.
SELECT {{schedule_row}}
FROM {{schema}}.schedules AS s
WHERE name = $1 AND NOT paused AND next_tick_at = $2
FOR UPDATE;
