INSERT INTO errand_paused_queues (queue, paused_at) VALUES (@queue, @now)
ON CONFLICT (queue) DO NOTHING;
