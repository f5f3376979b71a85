-- @leases: JSON array of {id, attempt, worker_id}. The ids of those no longer held (the job was
-- canceled, rescued or replayed since), reading only: a worker asks this often, where a cancel
-- made in another process sends it no notice, and extending its leases as often would take the
-- write lock for each ask.
SELECT l.value ->> 'id' AS id
FROM json_each(@leases) AS l
WHERE NOT EXISTS (
  SELECT 1 FROM errand_jobs AS j
  WHERE j.id = l.value ->> 'id'
    AND j.state = 'running'
    AND j.attempt = l.value ->> 'attempt'
    AND j.worker_id = l.value ->> 'worker_id'
);
