UPDATE errand_schedules SET paused = 1, updated_at = @now WHERE name = @name RETURNING *;
