SELECT * FROM errand_schedules ORDER BY name;
