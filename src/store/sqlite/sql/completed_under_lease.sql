-- Positional parameters: id, attempt, worker_id. 1 if the job is completed under that very
-- lease: a completion refused only because it already committed (the PostgreSQL store's
-- completed_under_leases.sql says why that can happen there). Only an attempt's own worker can
-- complete it, so no other completion matches.
SELECT 1 FROM errand_jobs WHERE id = ? AND state = 'completed' AND attempt = ? AND worker_id = ?;
