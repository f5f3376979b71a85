-- The lease reaper's index, keyed by lease presence instead of by state. A lease is set exactly
-- while a job runs (claims set it, every way out of running clears it), so it serves the same
-- rows; but a `state = 'running'` predicate no longer matches its definition, so the planner can
-- no longer pick it to drive the completion and lease-extension joins. It did so with stale
-- statistics (taken when nothing ran: "1 running row"), re-scanning the unnest()ed batch for
-- every running job: O(running x batch), ~50 ms per completion batch with 1,000,000 finished
-- rows kept. Those joins now always look each job up by primary key. The reaper's
-- `lease_expires_at < now()` implies IS NOT NULL, so it still uses this index.
DROP INDEX {{schema}}.jobs_leases;
CREATE INDEX jobs_leases ON {{schema}}.jobs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
