-- $1 key[]. Locks the windows of the limits a claim enforces, in key order (so two claimers
-- never deadlock), and holds them until the claim commits: claims enforcing the same limit take
-- turns, in every process. now_ms is read after the locks are held, so the window a claim
-- judges ends after every start recorded by the claims it waited for (clock_timestamp, not
-- now(): the transaction may have begun before the wait).
SELECT key, starts, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
FROM {{schema}}.limit_windows
WHERE key = ANY($1::text[])
ORDER BY key
FOR UPDATE;
