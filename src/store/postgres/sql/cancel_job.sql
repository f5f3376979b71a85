-- $1 id $2 attempt $3 worker_id. With a lease ($2 not NULL), only the worker holding it may
-- cancel (a handler ending its own job).
UPDATE {{schema}}.jobs AS j
SET state = 'canceled', finished_at = now(), worker_id = NULL, lease_expires_at = NULL
WHERE id = $1
  AND state IN ('pending','scheduled','blocked','running','retrying')
  AND ($2::int IS NULL OR (state = 'running' AND attempt = $2 AND worker_id = $3::text))
RETURNING {{job_row}};
