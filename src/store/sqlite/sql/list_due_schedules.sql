SELECT * FROM errand_schedules
WHERE paused = 0 AND next_tick_at <= @now
ORDER BY next_tick_at
LIMIT @limit;
