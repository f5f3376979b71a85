-- $1 name $2 holder $3 lease_ms. Takes the lease for $2 until now() + $3: when nobody holds
-- it, when its holder's lease expired (a crashed process), or to renew $2's own. A returned
-- row means it is held now. Concurrent takers serialise on the row, so only one wins.
INSERT INTO {{schema}}.maintenance_leases AS l (name, holder, expires_at)
VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE l.holder = excluded.holder OR l.expires_at <= now()
RETURNING l.holder;
