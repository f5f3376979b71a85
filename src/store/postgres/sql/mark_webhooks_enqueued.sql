-- $1 id[]. Only ended jobs are marked, so a job replayed meanwhile keeps owing its webhook.
UPDATE {{schema}}.jobs SET webhook_pending = false
WHERE id = ANY($1::bigint[]) AND webhook_pending AND state IN ('completed','failed','canceled');
