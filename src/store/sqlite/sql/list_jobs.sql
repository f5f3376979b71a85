-- `state` filters on the state users see: a scheduled or retrying job whose time has come is pending.
-- Used for every job, completed ones and blocked ones: the states whose jobs an index holds are
-- listed by list_ended_jobs, list_waiting_jobs and list_running_jobs instead (SqliteStore.listJobs).
SELECT * FROM errand_jobs
WHERE (@type IS NULL OR type = @type)
  AND (@queue IS NULL OR queue = @queue)
  AND (@state IS NULL OR
       (CASE WHEN state IN ('scheduled','retrying') AND run_at <= @now THEN 'pending' ELSE state END) = @state)
  AND (@cursor IS NULL OR id < @cursor)
ORDER BY id DESC
LIMIT @limit;
