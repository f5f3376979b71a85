-- $1 id $2 attempt $3 worker_id $4 progress
UPDATE {{schema}}.jobs SET progress = $4
WHERE id = $1 AND state = 'running' AND attempt = $2 AND worker_id = $3;
