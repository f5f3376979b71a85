-- @ids: JSON array of job ids. Only ended jobs are marked, so a job replayed meanwhile keeps owing its webhook.
UPDATE errand_jobs SET webhook_pending = 0
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('completed','failed','canceled');
