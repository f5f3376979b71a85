-- @endings: JSON array of [job id, finished_at as listed (epoch ms)] of ended jobs. Marks a job
-- only while it is in the ending it was listed in: one replayed meanwhile keeps owing its
-- webhook, whether it is waiting again (not ended) or has ended again since (a later
-- finished_at), the ending the listed delivery does not announce.
UPDATE errand_jobs SET webhook_pending = 0
FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS finished_at FROM json_each(@endings)) AS e
WHERE errand_jobs.id = e.id AND errand_jobs.state IN ('completed','failed','canceled')
  AND errand_jobs.finished_at <= e.finished_at;
