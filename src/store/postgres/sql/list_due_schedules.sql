-- $1 limit. Due by the server's clock.
SELECT {{schedule_row}}
FROM {{schema}}.schedules AS s
WHERE NOT paused AND next_tick_at <= now()
ORDER BY next_tick_at
LIMIT $1;
