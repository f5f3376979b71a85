-- listJobs for failed or canceled jobs (@state): read through errand_jobs_ended and sorted, not
-- found by walking ids down past every completed job kept (a page of 50 failed jobs below a
-- million completed: 120 ms that way, 3 ms this). The IN term repeats the index's condition,
-- which SQLite needs in order to use a partial index; `+id` keeps it from walking ids instead.
SELECT * FROM errand_jobs
WHERE state IN ('completed','failed','canceled') AND state = @state
  AND (@type IS NULL OR type = @type)
  AND (@queue IS NULL OR queue = @queue)
  AND (@cursor IS NULL OR id < @cursor)
ORDER BY +id DESC
LIMIT @limit;
