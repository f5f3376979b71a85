-- @leases: JSON array of {id, attempt, worker_id}. RETURNING names the leases still held.
UPDATE errand_jobs
SET lease_expires_at = @now + @lease_ms
FROM json_each(@leases) AS l
WHERE errand_jobs.id = l.value ->> 'id'
  AND errand_jobs.state = 'running'
  AND errand_jobs.attempt = l.value ->> 'attempt'
  AND errand_jobs.worker_id = l.value ->> 'worker_id'
RETURNING errand_jobs.id;
