-- $1 id[] $2 attempt[] $3 worker_id[] $4 lease_ms. Returns the ids of the leases still held.
UPDATE {{schema}}.jobs AS j
SET lease_expires_at = now() + $4 * interval '1 millisecond'
FROM unnest($1::bigint[], $2::int[], $3::text[]) AS l(id, attempt, worker_id)
WHERE j.id = l.id AND j.state = 'running' AND j.attempt = l.attempt AND j.worker_id = l.worker_id
RETURNING j.id;
