-- Takes the lease @name for @holder until @now + @lease_ms: when nobody holds it, when its
-- holder's lease expired (a crashed process), or to renew @holder's own. RETURNING a row
-- means it is held now.
INSERT INTO errand_maintenance_leases (name, holder, expires_at)
VALUES (@name, @holder, @now + @lease_ms)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE errand_maintenance_leases.holder = excluded.holder OR errand_maintenance_leases.expires_at <= @now
RETURNING holder;
