-- $1 id[] of ended jobs lock_ended_jobs.sql locked in this transaction. Deletes them, but for
-- a flow parent one of whose children has not ended after all: this statement's snapshot is
-- taken after those locks, so it sees every replay of a child that committed before them
-- (one that took its parent's lock first made lock_ended_jobs skip the parent), and none can
-- commit until this transaction does: a replay locks the child's parents first
-- (lock_parents_of_job.sql), and then finds the parent deleted (retry_job.sql refuses it).
-- The locked rows themselves cannot change meanwhile, so nothing else needs judging again.
-- The rows that hang off the deleted jobs go in the same statement: the flow edges of which
-- they are the child (an edge to a deleted parent stays while its child does: it is how a
-- replay of the child knows the parent it would read is gone), flows left without nodes, and
-- the batch of a deleted onComplete job (which ends only after every member ended). Returns
-- how many jobs it deleted.
WITH deleted AS (
  DELETE FROM {{schema}}.jobs AS j
  WHERE j.id = ANY ($1::bigint[])
    AND NOT EXISTS (
      SELECT 1 FROM {{schema}}.job_dependencies AS d JOIN {{schema}}.jobs AS c ON c.id = d.child_id
      WHERE d.parent_id = j.id AND c.state NOT IN ('completed','failed','canceled')
    )
  RETURNING j.id, j.flow_id
),
edges AS (
  DELETE FROM {{schema}}.job_dependencies WHERE child_id IN (SELECT id FROM deleted)
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
finished_batches AS (
  DELETE FROM {{schema}}.batches WHERE on_complete_job_id IN (SELECT id FROM deleted)
)
SELECT count(*)::int AS deleted FROM deleted;
