-- $1 id $2 attempt $3 worker_id. With a lease ($2 not NULL), only the worker holding it may
-- cancel (a handler ending its own job), and the job keeps that worker's id, as a completion
-- does: a cancel sent again under the same lease (its reply lost) is then recognised
-- (canceledUnderLease). Canceled from outside, a job has no worker.
UPDATE {{schema}}.jobs AS j
SET state = 'canceled', finished_at = now(), worker_id = CASE WHEN $2::int IS NULL THEN NULL ELSE worker_id END,
    lease_expires_at = NULL
WHERE id = $1
  AND state IN ('pending','scheduled','blocked','running','retrying')
  AND ($2::int IS NULL OR (state = 'running' AND attempt = $2 AND worker_id = $3::text))
RETURNING {{job_row}};
