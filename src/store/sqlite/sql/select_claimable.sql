-- Walks errand_jobs_waiting once per queue, reading at most @limit rows each, then picks the
-- best @limit across queues. Cost does not grow with the number of finished jobs.
-- Columns that claim_jobs.sql sets, or that are always NULL on a waiting job, are not read:
-- materialising columns is most of a claim's cost. Paused queues are skipped. The column order is
-- ClaimableValues' in rows.ts: the store reads these rows raw, as arrays. Grouped jobs are not
-- taken here (see select_group_turns.sql); `group_key IS NULL` lets this walk the
-- errand_jobs_waiting index, which holds only ungrouped jobs.
SELECT j.id, j.type, j.queue, j.state, j.payload, j.priority, j.attempt, j.max_attempts,
       j.timeout_ms, j.backoff, j.errors, j.idempotency_key, j.created_at, j.run_at,
       j.correlation_id, j.webhook_url, j.group_key, j.group_limit, j.flow_id, j.flow_node, j.on_parent_failure,
       j.batch_id, j.max_attempts - j.replay_attempts
FROM json_each(@queues) AS q
JOIN errand_jobs AS j ON j.id IN (
  SELECT w.id FROM errand_jobs AS w
  WHERE w.queue = q.value
    AND w.state IN ('pending','scheduled','retrying')
    AND w.run_at <= @now
    AND w.group_key IS NULL
  ORDER BY w.priority DESC, w.run_at, w.id
  LIMIT @limit
)
WHERE NOT EXISTS (SELECT 1 FROM errand_paused_queues AS p WHERE p.queue = q.value)
ORDER BY j.priority DESC, j.run_at, j.id
LIMIT @limit;
