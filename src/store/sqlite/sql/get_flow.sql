SELECT id, created_at FROM errand_flows WHERE id = @id;
