-- listJobs for pending, scheduled or retrying jobs (@state, the state users see: a scheduled or
-- retrying job whose time has come is pending): read through errand_jobs_waiting and
-- errand_jobs_waiting_grouped, one for each side of the union, and sorted, so the cost is that
-- of the jobs waiting, never that of the completed ones kept (see list_ended_jobs.sql). `+id`:
-- without statistics (nothing runs ANALYZE) SQLite would rather walk the whole table in id order.
SELECT * FROM (
  SELECT * FROM errand_jobs WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL
  UNION ALL
  SELECT * FROM errand_jobs WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL
)
WHERE (CASE @state WHEN 'pending' THEN state = 'pending' OR run_at <= @now ELSE state = @state AND run_at > @now END)
  AND (@type IS NULL OR type = @type)
  AND (@queue IS NULL OR queue = @queue)
  AND (@cursor IS NULL OR id < @cursor)
ORDER BY +id DESC
LIMIT @limit;
