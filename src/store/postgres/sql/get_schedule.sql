-- $1 name
SELECT {{schedule_row}}
FROM {{schema}}.schedules AS s WHERE name = $1;
