-- $1 id $2 attempt $3 worker_id: the job, if this lease's failure is already recorded (it waits
-- to retry or has failed, at that attempt, naming that worker): fail_job.sql sent again after
-- its first commit's reply was lost. A claim since then would have changed the attempt.
SELECT {{job_row}}
FROM {{schema}}.jobs AS j
WHERE j.id = $1 AND j.attempt = $2 AND j.worker_id = $3 AND j.state IN ('retrying', 'failed');
