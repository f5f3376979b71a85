-- $1 id[] $2 attempt[] $3 worker_id[] (see lease_held.fragment.sql) $4 lease_ms.
-- Returns the ids of the leases still held.
UPDATE {{schema}}.jobs AS j
SET lease_expires_at = now() + $4 * interval '1 millisecond'
WHERE {{lease_held}}
RETURNING j.id;
