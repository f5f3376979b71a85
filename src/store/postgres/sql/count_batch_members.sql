-- $1 batch_id[] $2 state[] of batch members that just ended. Counts them, and returns the
-- batches whose members have now all ended (release_batch_callbacks.sql releases their
-- onComplete jobs next). A batch never counts more endings than it has members (a member
-- replayed after its batch ended is not counted again).
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
)
UPDATE {{schema}}.batches AS b
SET completed = b.completed + e.completed, failed = b.failed + e.failed, canceled = b.canceled + e.canceled
FROM locked AS e
WHERE b.id = e.id AND b.completed + b.failed + b.canceled < b.total
RETURNING b.id, (b.completed + b.failed + b.canceled >= b.total) AS ended;
