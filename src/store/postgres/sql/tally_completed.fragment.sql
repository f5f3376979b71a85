-- Adds the jobs of CTE `completed` (an UPDATE of complete_update.fragment.sql returning each
-- job's queue) to this backend's tallies (migration 012): one row per queue, in queue order.
INSERT INTO {{schema}}.ended_tallies AS t (queue, state, slot, n)
SELECT queue, 'completed', pg_backend_pid(), count(*) FROM completed GROUP BY queue ORDER BY queue
ON CONFLICT (queue, state, slot) DO UPDATE SET n = t.n + excluded.n
