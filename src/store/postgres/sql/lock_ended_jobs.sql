-- $1 state (one ended state) $2 older_than_ms $3 keep_newest $4 limit. Locks, for the
-- delete_ended_jobs.sql that follows in the same transaction, at most $4 of its jobs, oldest
-- first, that finished more than $2 ms ago, or that are not among the newest $3 (a NULL turns
-- that rule off). Jobs still owing their webhook are kept until it is enqueued. Rows another
-- transaction holds (a replay in progress) are skipped, not waited for.
-- Both rules cut the state's jobs at a point in (finished_at, id) order, so the later cut is
-- the one bound, and the lock is one range scan of jobs_ended from its start: a sweep with
-- nothing to delete reads next to nothing, however many jobs are kept. (The literal state list
-- lets the planner use that partial index in generic plans too.)
-- A flow parent stays while one of its children has not ended: that child reads the parent's
-- result when it runs. That is judged here by this statement's snapshot, which a replay of a
-- child committing after it was taken makes stale; delete_ended_jobs.sql judges it again.
WITH cuts AS (
  -- Ids start at 1, so (cutoff, 0) is before every job that finished at the cutoff.
  SELECT now() - $2::float8 * interval '1 millisecond' AS finished_at, 0::bigint AS id
  WHERE $2::float8 IS NOT NULL
  UNION ALL
  (SELECT n.finished_at, n.id + 1 FROM {{schema}}.jobs AS n
   WHERE n.state IN ('completed','failed','canceled') AND n.state = $1 AND $3::int IS NOT NULL
   ORDER BY n.finished_at DESC, n.id DESC
   OFFSET $3::int LIMIT 1)
),
bound AS (
  SELECT finished_at, id FROM cuts ORDER BY finished_at DESC, id DESC LIMIT 1
)
SELECT j.id FROM {{schema}}.jobs AS j
WHERE j.state IN ('completed','failed','canceled') AND j.state = $1
  -- The first comparison bounds the index scan; the second is the exact cut.
  AND j.finished_at <= (SELECT finished_at FROM bound)
  AND (j.finished_at, j.id) < (SELECT finished_at, id FROM bound)
  AND NOT j.webhook_pending
  AND NOT EXISTS (
    SELECT 1 FROM {{schema}}.job_dependencies AS d JOIN {{schema}}.jobs AS c ON c.id = d.child_id
    WHERE d.parent_id = j.id AND c.state NOT IN ('completed','failed','canceled')
  )
ORDER BY j.finished_at, j.id
LIMIT $4
FOR UPDATE SKIP LOCKED;
