SELECT id, created_at, deleted_failed, deleted_canceled FROM errand_flows WHERE id = @id;
