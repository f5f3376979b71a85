-- @key @limit @now @queues (JSON array). The members of group @key whose turn it is and that can
-- start now in these (unpaused) queues, reading at most @limit members. The group's limit is the
-- group_limit of its oldest member not started; its turns are its first (limit - members
-- running) members not started, in enqueue (id) order, and of those, the ones neither blocked
-- nor waiting for their run time can start. So with a limit of 1 only the oldest member not
-- started may run, and only once nothing of the group runs: an older member waiting to retry
-- (run_at later) or blocked holds the younger ones back. (PostgreSQL's group_turns() in
-- 006_limits.sql says the same.) The cost follows the limit, not the group's backlog.
-- Columns in ClaimableValues' order (rows.ts): the store reads these rows raw, as arrays.
SELECT j.id, j.type, j.queue, j.state, j.payload, j.priority, j.attempt, j.max_attempts,
       j.timeout_ms, j.backoff, j.errors, j.idempotency_key, j.created_at, j.run_at,
       j.correlation_id, j.webhook_url, j.group_key, j.group_limit, j.flow_id, j.flow_node, j.on_parent_failure,
       j.batch_id, j.max_attempts - j.replay_attempts
FROM (
  SELECT id FROM errand_jobs
  WHERE group_key = @key AND state IN ('pending','scheduled','retrying','blocked')
  ORDER BY id
  LIMIT min(@limit, max(0,
    (SELECT group_limit FROM errand_jobs
     WHERE group_key = @key AND state IN ('pending','scheduled','retrying','blocked')
     ORDER BY id LIMIT 1)
    - (SELECT count(*) FROM errand_jobs WHERE group_key = @key AND state = 'running')))
) AS t
JOIN errand_jobs AS j ON j.id = t.id
WHERE j.state <> 'blocked' AND j.run_at <= @now
  AND j.queue IN (SELECT value FROM json_each(@queues))
  AND j.queue NOT IN (SELECT queue FROM errand_paused_queues);
