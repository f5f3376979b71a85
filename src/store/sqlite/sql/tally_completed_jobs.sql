-- @ids: JSON array of the jobs a transaction's completions changed. Tallied by id once for
-- the whole batch, as the completion itself reads nothing back (complete_job.sql).
INSERT INTO errand_ended_tallies (queue, state, n)
SELECT queue, 'completed', count(*) FROM errand_jobs
WHERE id IN (SELECT value FROM json_each(@ids))
GROUP BY queue
ON CONFLICT (queue, state) DO UPDATE SET n = n + excluded.n;
