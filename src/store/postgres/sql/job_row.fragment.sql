-- The columns of a job as rows.ts's JobRow reads them, from a `jobs AS j`. Every statement that
-- returns whole jobs names them here instead of `j.*`: a named statement's result type is fixed
-- when it is prepared, so a column a later migration adds would make `j.*` fail on every
-- connection prepared before it ("cached plan must not change result type"), in processes of
-- this version still running while a newer one migrates.
j.id, j.type, j.queue, j.state, j.payload, j.priority, j.attempt, j.max_attempts, j.timeout_ms,
j.backoff, j.progress, j.result, j.errors, j.idempotency_key, j.created_at, j.run_at, j.started_at,
j.finished_at, j.worker_id, j.lease_expires_at, j.correlation_id, j.webhook_url, j.group_key,
j.group_limit, j.flow_id, j.flow_node, j.parents_waiting, j.on_parent_failure, j.batch_id,
{{schema}}.visible_state(j.state, j.run_at) AS visible_state
