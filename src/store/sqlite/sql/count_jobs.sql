SELECT queue,
       CASE WHEN state IN ('scheduled','retrying') AND run_at <= @now THEN 'pending' ELSE state END AS visible_state,
       count(*) AS n
FROM errand_jobs
WHERE (@queues IS NULL OR queue IN (SELECT value FROM json_each(@queues)))
GROUP BY queue, visible_state;
