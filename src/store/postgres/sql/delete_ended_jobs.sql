-- $1 state (one ended state) $2 older_than_ms $3 keep_newest $4 limit. Deletes at most $4 of
-- its jobs, oldest first, that finished more than $2 ms ago, or that are not among the newest
-- $3 (a NULL turns that rule off). Jobs still owing their webhook are kept until it is
-- enqueued. Rows another transaction holds (a replay in progress) are skipped, not waited for.
-- The literal state list lets the planner use jobs_ended (a partial index) in generic plans.
-- Tables that hang off a job (flows, batches) are cleaned up here too, as they are added.
WITH doomed AS (
  SELECT j.id FROM {{schema}}.jobs AS j
  WHERE j.state IN ('completed','failed','canceled') AND j.state = $1
    AND NOT j.webhook_pending
    AND (
      ($2::float8 IS NOT NULL AND j.finished_at < now() - $2::float8 * interval '1 millisecond')
      OR ($3::int IS NOT NULL AND (j.finished_at, j.id) <= (
        SELECT n.finished_at, n.id FROM {{schema}}.jobs AS n
        WHERE n.state IN ('completed','failed','canceled') AND n.state = $1
        ORDER BY n.finished_at DESC, n.id DESC
        OFFSET coalesce($3::int, 0) LIMIT 1
      ))
    )
  ORDER BY j.finished_at, j.id
  LIMIT $4
  FOR UPDATE SKIP LOCKED
)
DELETE FROM {{schema}}.jobs AS j USING doomed WHERE j.id = doomed.id;
