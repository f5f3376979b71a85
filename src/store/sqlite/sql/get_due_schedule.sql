-- The schedule as it is now, if it still waits for tick @due_at and is active. Read inside the
-- firing's write transaction, so the jobs are built from the definition that holds when they
-- are inserted, not from the one listed as due.
SELECT * FROM errand_schedules WHERE name = @name AND paused = 0 AND next_tick_at = @due_at;
