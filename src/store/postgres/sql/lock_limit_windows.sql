-- $1 key[]. Locks the windows of the limits a claim enforces, in key order (so two claimers
-- never deadlock), and holds them until the claim commits: claims enforcing the same limit take
-- turns, in every process. Why a limit holds under READ COMMITTED: a claim reads the log here
-- (FOR UPDATE returns the row as the previous holder committed it), then counts running jobs
-- and picks candidates in later statements, whose snapshots are taken after this lock was
-- granted; so it sees every start and every running job of the claims before it, and no other
-- claim under the limit is in flight. Other changes only end running jobs (the count reads
-- high: safe). Only a process that does not declare the limit can get around it. now_ms is read after the locks are held, so the window a claim
-- judges ends after every start recorded by the claims it waited for (clock_timestamp, not
-- now(): the transaction may have begun before the wait).
SELECT key, starts, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
FROM {{schema}}.limit_windows
WHERE key = ANY($1::text[])
ORDER BY key
FOR UPDATE;
