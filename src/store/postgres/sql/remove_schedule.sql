-- $1 name
DELETE FROM {{schema}}.schedules WHERE name = $1;
