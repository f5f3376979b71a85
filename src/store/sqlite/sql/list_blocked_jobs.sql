-- listJobs for blocked jobs (flow children and batch callbacks waiting): read through
-- errand_jobs_blocked (whose condition `state = 'blocked'` this repeats, see list_ended_jobs.sql)
-- and sorted.
SELECT * FROM errand_jobs
WHERE state = 'blocked'
  AND (@type IS NULL OR type = @type)
  AND (@queue IS NULL OR queue = @queue)
  AND (@cursor IS NULL OR id < @cursor)
ORDER BY +id DESC
LIMIT @limit;
