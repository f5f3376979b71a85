-- $1 queue[] $2 type[] (NULL: every type of the queue). Jobs running now per (queue, type), in
-- input order. Runs after lock_limit_windows.sql, in a fresh snapshot: every claim under the
-- same limit has committed. A lease is held exactly while a job runs, so the lease index
-- serves this (it reads every running job: caps cost in proportion to the cluster's running
-- jobs, and no index is kept on every job's hot path for them).
SELECT l.n::int AS n,
       (SELECT count(*) FROM {{schema}}.jobs AS j
        WHERE j.lease_expires_at IS NOT NULL AND j.queue = l.queue AND (l.type IS NULL OR j.type = l.type))::int AS running
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS l(queue, type, n)
ORDER BY l.n;
