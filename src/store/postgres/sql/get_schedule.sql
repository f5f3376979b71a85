-- $1 name
SELECT * FROM {{schema}}.schedules WHERE name = $1;
