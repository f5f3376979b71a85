-- @ended: JSON array of {batch_id, state} of batch members that just ended. A batch never
-- counts more endings than it has members (a member replayed after its batch ended is not
-- counted again). Returns the batches counted.
UPDATE errand_batches AS b
SET completed = b.completed + e.completed, failed = b.failed + e.failed, canceled = b.canceled + e.canceled
FROM (
  SELECT value ->> 'batch_id' AS batch_id,
         sum(value ->> 'state' = 'completed') AS completed,
         sum(value ->> 'state' = 'failed') AS failed,
         sum(value ->> 'state' = 'canceled') AS canceled
  FROM json_each(@ended)
  GROUP BY 1
) AS e
WHERE b.id = e.batch_id AND b.completed + b.failed + b.canceled < b.total
RETURNING id;
