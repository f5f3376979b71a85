-- $1 batch_id[] $2 state[] of batch members that just ended $3 the NOTIFY channel. Counts them;
-- a batch whose members have now all ended releases its onComplete job, once (only a blocked
-- one moves), with the batch summary merged into its payload. A batch never counts more
-- endings than it has members (a member replayed after its batch ended is not counted again).
WITH ended AS (
  SELECT batch_id,
         count(*) FILTER (WHERE state = 'completed') AS completed,
         count(*) FILTER (WHERE state = 'failed') AS failed,
         count(*) FILTER (WHERE state = 'canceled') AS canceled
  FROM unnest($1::bigint[], $2::text[]) AS e(batch_id, state)
  GROUP BY batch_id
),
-- Locked in id order, so endings in several batches never deadlock.
locked AS (
  SELECT b.id, e.completed, e.failed, e.canceled
  FROM ended AS e JOIN {{schema}}.batches AS b ON b.id = e.batch_id
  ORDER BY b.id
  FOR UPDATE OF b
),
counted AS (
  UPDATE {{schema}}.batches AS b
  SET completed = b.completed + e.completed, failed = b.failed + e.failed, canceled = b.canceled + e.canceled
  FROM locked AS e
  WHERE b.id = e.id AND b.completed + b.failed + b.canceled < b.total
  RETURNING b.*
),
callbacks AS (
  UPDATE {{schema}}.jobs AS j
  SET state = CASE WHEN j.run_at > now() THEN 'scheduled' ELSE 'pending' END, parents_waiting = 0,
      payload = (j.payload::jsonb || jsonb_build_object(
        'batchId', b.id::text, 'completed', b.completed, 'failed', b.failed, 'canceled', b.canceled))::json
  FROM counted AS b
  WHERE b.completed + b.failed + b.canceled >= b.total AND j.id = b.on_complete_job_id AND j.state = 'blocked'
  RETURNING j.queue, j.state
)
SELECT count(pg_notify($3, q.queue)) AS notified FROM (SELECT DISTINCT queue FROM callbacks WHERE state = 'pending') AS q;
