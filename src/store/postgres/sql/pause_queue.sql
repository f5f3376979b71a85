-- $1 queue. Pausing a paused queue changes nothing (its first pause time is kept).
INSERT INTO {{schema}}.paused_queues (queue, paused_at) VALUES ($1, now())
ON CONFLICT (queue) DO NOTHING;
