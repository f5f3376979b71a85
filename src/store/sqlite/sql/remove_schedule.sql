DELETE FROM errand_schedules WHERE name = @name;
