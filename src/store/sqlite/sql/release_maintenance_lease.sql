-- Only the holder's own lease is released; one already taken over is left alone.
DELETE FROM errand_maintenance_leases WHERE name = @name AND holder = @holder;
