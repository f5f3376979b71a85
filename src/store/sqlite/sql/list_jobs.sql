-- `state` filters on the state users see: a scheduled or retrying job whose time has come is pending.
SELECT * FROM errand_jobs
WHERE (@type IS NULL OR type = @type)
  AND (@queue IS NULL OR queue = @queue)
  AND (@state IS NULL OR
       (CASE WHEN state IN ('scheduled','retrying') AND run_at <= @now THEN 'pending' ELSE state END) = @state)
  AND (@cursor IS NULL OR id < @cursor)
ORDER BY id DESC
LIMIT @limit;
