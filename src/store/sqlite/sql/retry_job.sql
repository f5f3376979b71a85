-- Replay from the dead-letter set: fresh attempts, errors kept as history. A job with a
-- webhook announces its next ending too.
-- A job that was canceled while it still waited goes back to waiting, not to the queue: a flow
-- child for the parents that have not ended yet (its unresolved edges: a parent's ending is
-- applied to its edges even while the child is canceled), a batch's onComplete job for its
-- batch while that has not ended. An onComplete job whose batch has ended runs with the
-- batch's summary merged into its payload, as on release.
UPDATE errand_jobs AS j
SET state = CASE WHEN w.waiting > 0 THEN 'blocked' ELSE 'pending' END,
    parents_waiting = w.waiting,
    payload = CASE WHEN b.ended THEN json_patch(j.payload, json_object(
      'batchId', CAST(b.id AS TEXT), 'completed', b.completed, 'failed', b.failed, 'canceled', b.canceled))
      ELSE j.payload END,
    run_at = @now,
    -- maxAttempts more tries, as enqueued (see 011_replay_attempts.sql); SET reads the old values.
    max_attempts = attempt + COALESCE(replay_attempts, max_attempts), replay_attempts = COALESCE(replay_attempts, max_attempts),
    finished_at = NULL, result = NULL, progress = NULL, worker_id = NULL,
    webhook_pending = (webhook_url IS NOT NULL)
FROM (SELECT @id AS id) AS me
LEFT JOIN (
  SELECT id, completed, failed, canceled, completed + failed + canceled >= total AS ended
  FROM errand_batches WHERE on_complete_job_id = @id
) AS b ON true
CROSS JOIN (
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM errand_batches WHERE on_complete_job_id = @id AND completed + failed + canceled < total) THEN 1
    ELSE (SELECT count(*) FROM errand_job_dependencies WHERE child_id = @id AND resolved = 0) END AS waiting
) AS w
WHERE j.id = me.id AND j.state IN ('failed','canceled')
RETURNING *;
