-- $1 id $2 attempt $3 worker_id $4 message $5 code $6 stack. With a lease ($2 not NULL), only
-- the worker holding it may cancel (a handler ending its own job), and the job keeps that
-- worker's id, as a completion does: a cancel sent again under the same lease (its reply lost)
-- is then recognised (canceledUnderLease). Canceled from outside, a job has no worker.
-- $4 not NULL (the handler's CancelJob) is kept as the attempt's entry in errors, as a failure's is.
UPDATE {{schema}}.jobs AS j
SET state = 'canceled', finished_at = now(), worker_id = CASE WHEN $2::int IS NULL THEN NULL ELSE worker_id END,
    lease_expires_at = NULL,
    errors = CASE WHEN $4::text IS NULL THEN errors ELSE errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'message', $4::text, 'code', $5::text, 'stack', $6::text, 'at', now())) END
WHERE id = $1
  AND state IN ('pending','scheduled','blocked','running','retrying')
  AND ($2::int IS NULL OR (state = 'running' AND attempt = $2 AND worker_id = $3::text))
RETURNING {{job_row}};
