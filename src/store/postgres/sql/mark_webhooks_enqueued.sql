-- $1 id[] $2 finished_at[] of ended jobs, as listed (to the millisecond, fractions dropped).
-- Marks a job only while it is in the ending it was listed in: one replayed meanwhile keeps
-- owing its webhook, whether it is waiting again (not ended) or has ended again since (a later
-- finished_at), the ending the listed delivery does not announce.
UPDATE {{schema}}.jobs AS j SET webhook_pending = false
FROM unnest($1::bigint[], $2::timestamptz[]) AS e(id, finished_at)
WHERE j.id = ANY($1::bigint[]) AND j.id = e.id AND j.webhook_pending AND j.state IN ('completed','failed','canceled')
  AND j.finished_at < e.finished_at + interval '1 millisecond';
