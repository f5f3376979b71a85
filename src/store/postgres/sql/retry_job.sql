-- $1 id $2 the NOTIFY channel. Replay from the dead-letter set: fresh attempts, errors kept as
-- history. A job with a webhook announces its next ending too. A job that goes back to the queue
-- wakes idle workers, as a new one does.
-- A job that was canceled while it still waited goes back to waiting, not to the queue: a flow
-- child for the parents that have not ended yet (its unresolved edges: a parent's ending is
-- applied to its edges even while the child is canceled), a batch's onComplete job for its
-- batch while that has not ended. An onComplete job whose batch has ended runs with the
-- batch's summary merged into its payload, as on release.
-- Against endings committing meanwhile: the caller first locked the job's flow parents (see
-- lock_parents_of_job.sql), so the edges read here stay as they are until this commits. The
-- batch row is locked here: a last member's ending either counted first, and this sees the
-- batch ended, or waits for this to commit, and then finds the job blocked and releases it
-- (release_batch_callbacks.sql reads it after the count, in a statement of its own).
WITH edges AS (
  SELECT count(*)::int AS n FROM (
    SELECT 1 FROM {{schema}}.job_dependencies WHERE child_id = $1 AND NOT resolved
  ) AS e
),
batch AS (
  SELECT id, completed, failed, canceled, completed + failed + canceled >= total AS ended
  FROM {{schema}}.batches WHERE on_complete_job_id = $1
  FOR UPDATE
),
waiting AS (
  SELECT CASE WHEN EXISTS (SELECT 1 FROM batch WHERE NOT ended) THEN 1 ELSE (SELECT n FROM edges) END AS n
)
UPDATE {{schema}}.jobs AS j
SET state = CASE WHEN w.n > 0 THEN 'blocked' ELSE 'pending' END,
    parents_waiting = w.n,
    payload = CASE WHEN b.ended THEN {{batch_summary_payload}} ELSE j.payload END,
    run_at = now(),
    -- maxAttempts more tries, as enqueued (see 013_replay_attempts.sql); SET reads the old values.
    max_attempts = attempt + COALESCE(replay_attempts, max_attempts), replay_attempts = COALESCE(replay_attempts, max_attempts),
    finished_at = NULL, result = NULL, progress = NULL, worker_id = NULL,
    webhook_pending = (webhook_url IS NOT NULL)
FROM waiting AS w
LEFT JOIN batch AS b ON true
WHERE j.id = $1 AND j.state IN ('failed','canceled')
RETURNING {{job_row}}, CASE WHEN j.state = 'pending' THEN pg_notify($2, j.queue) END AS notified;
