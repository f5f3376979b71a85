SELECT * FROM {{schema}}.schedules ORDER BY name;
