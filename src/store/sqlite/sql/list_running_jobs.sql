-- listJobs for running jobs: read through errand_jobs_leases (whose condition `state =
-- 'running'` this repeats, see list_ended_jobs.sql) and sorted.
SELECT * FROM errand_jobs
WHERE state = 'running'
  AND (@type IS NULL OR type = @type)
  AND (@queue IS NULL OR queue = @queue)
  AND (@cursor IS NULL OR id < @cursor)
ORDER BY +id DESC
LIMIT @limit;
