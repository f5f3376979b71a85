-- $1 state (one ended state) $2 older_than_ms $3 keep_newest $4 limit. Deletes at most $4 of
-- its jobs, oldest first, that finished more than $2 ms ago, or that are not among the newest
-- $3 (a NULL turns that rule off). Jobs still owing their webhook are kept until it is
-- enqueued. Rows another transaction holds (a replay in progress) are skipped, not waited for.
-- Both rules cut the state's jobs at a point in (finished_at, id) order, so the later cut is
-- the one bound, and the delete is one range scan of jobs_ended from its start: a sweep with
-- nothing to delete reads next to nothing, however many jobs are kept. (The literal state list
-- lets the planner use that partial index in generic plans too.)
-- A flow parent stays while one of its children has not completed: a child still to run reads
-- the parent's result, and so does a failed or canceled one when it is replayed. Only a
-- completed child never runs again (replay takes failed and canceled jobs), so no replay can
-- race the delete into losing its parent, whatever the delete's snapshot saw. The rows that
-- hang off the deleted jobs go in the same statement: their flow edges, flows left without
-- nodes, and the batch of a deleted onComplete job (which ends only after every member ended).
-- Returns how many jobs it deleted.
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
),
doomed AS (
  SELECT j.id FROM {{schema}}.jobs AS j
  WHERE j.state IN ('completed','failed','canceled') AND j.state = $1
    -- The first comparison bounds the index scan; the second is the exact cut.
    AND j.finished_at <= (SELECT finished_at FROM bound)
    AND (j.finished_at, j.id) < (SELECT finished_at, id FROM bound)
    AND NOT j.webhook_pending
    AND NOT EXISTS (
      SELECT 1 FROM {{schema}}.job_dependencies AS d JOIN {{schema}}.jobs AS c ON c.id = d.child_id
      WHERE d.parent_id = j.id AND c.state <> 'completed'
    )
  ORDER BY j.finished_at, j.id
  LIMIT $4
  FOR UPDATE SKIP LOCKED
),
deleted AS (
  DELETE FROM {{schema}}.jobs WHERE id = ANY (ARRAY(SELECT id FROM doomed)) RETURNING id, flow_id
),
edges AS (
  DELETE FROM {{schema}}.job_dependencies
  WHERE parent_id IN (SELECT id FROM deleted) OR child_id IN (SELECT id FROM deleted)
),
emptied_flows AS (
  -- Sub-statements see the table as it was before this statement: the nodes being deleted
  -- still show, so they are excluded by id.
  DELETE FROM {{schema}}.flows AS f
  WHERE f.id IN (SELECT flow_id FROM deleted)
    AND NOT EXISTS (
      SELECT 1 FROM {{schema}}.jobs AS n WHERE n.flow_id = f.id AND n.id NOT IN (SELECT id FROM deleted)
    )
),
marked_flows AS (
  -- A flow that keeps other nodes remembers that a failed or canceled one went (its state is
  -- read from its nodes; see 014_deleted_flow_nodes.sql). Not the emptied ones, deleted above.
  UPDATE {{schema}}.flows AS f
  SET deleted_failed = f.deleted_failed OR $1 = 'failed', deleted_canceled = f.deleted_canceled OR $1 = 'canceled'
  WHERE $1 IN ('failed', 'canceled') AND f.id IN (SELECT flow_id FROM deleted)
    AND EXISTS (
      SELECT 1 FROM {{schema}}.jobs AS n WHERE n.flow_id = f.id AND n.id NOT IN (SELECT id FROM deleted)
    )
),
finished_batches AS (
  DELETE FROM {{schema}}.batches WHERE on_complete_job_id IN (SELECT id FROM deleted)
)
SELECT count(*)::int AS deleted FROM deleted;
