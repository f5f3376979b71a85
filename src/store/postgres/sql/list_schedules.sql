SELECT {{schedule_row}}
FROM {{schema}}.schedules AS s ORDER BY name;
