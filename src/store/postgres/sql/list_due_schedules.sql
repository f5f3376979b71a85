-- $1 limit. Due by the server's clock.
SELECT * FROM {{schema}}.schedules
WHERE NOT paused AND next_tick_at <= now()
ORDER BY next_tick_at
LIMIT $1;
