-- $1 batch id[] just counted to their end (count_batch_members.sql) $2 the NOTIFY channel.
-- Releases each one's onComplete job, once (only a blocked one moves), with the batch summary
-- merged into its payload.
-- A statement of its own, after the count, so that it reads the onComplete job as committed
-- once the count held the batch's lock: a replay of that job (retry_job.sql, which locks the
-- batch) that committed meanwhile has made it blocked again, and it is released here. Read in
-- the count's own snapshot, it would still look canceled, and stay blocked forever.
WITH callbacks AS (
  UPDATE {{schema}}.jobs AS j
  SET state = CASE WHEN j.run_at > now() THEN 'scheduled' ELSE 'pending' END, parents_waiting = 0,
      payload = {{batch_summary_payload}}
  FROM {{schema}}.batches AS b
  WHERE b.id = ANY($1::bigint[]) AND j.id = b.on_complete_job_id AND j.state = 'blocked'
    -- The same jobs named once more as an array the planner cannot see the length of, so they
    -- are looked up by primary key: from the join alone, with statistics taken when no job was
    -- blocked, it scanned the whole jobs table.
    AND j.id = ANY (ARRAY(SELECT on_complete_job_id FROM {{schema}}.batches WHERE id = ANY($1::bigint[])))
  RETURNING j.queue, j.state
)
SELECT count(pg_notify($2, q.queue)) AS notified FROM (SELECT DISTINCT queue FROM callbacks WHERE state = 'pending') AS q;
