-- $1 queue[] $2 limit $3 worker_id $4 lease_ms
-- Walks jobs_waiting once per queue, taking at most $2 rows each (rows another claimer holds
-- are skipped, not waited for), then claims the best $2 across queues in the same statement.
-- Cost does not grow with the number of finished jobs. Paused queues are skipped here, in the
-- same statement, so a pause takes effect for every claim that starts after it commits.
-- Grouped jobs are not taken here (their turn is decided by claimJobs' grouped path), and
-- `group_key IS NULL` is what lets this walk the jobs_waiting index, which holds only ungrouped jobs.
-- Returns the compact claimed rows of claimed-rows.ts.
-- The walk hands on the address (ctid) of each row version it locked, and the update goes
-- straight to it: no second descent of the primary key per row. Nothing can change a locked
-- row before this statement updates it; should the locked version be newer than the
-- statement's snapshot, the update does not see it and the job waits for the next claim.
-- The addresses go in as one array (a TID scan) rather than as a join on ctid: a join let the
-- planner hash the whole table by ctid once it judged that cheaper than 500 lookups, which on
-- a table of some tens of thousands of rows it did, on every claim (postgres-plans.test.ts).
WITH picked AS (
  SELECT w.ctid
  FROM (
    -- Paused queues are dropped before their rows are visited, so none of them is even locked.
    SELECT u.name FROM unnest($1::text[]) AS u(name)
    WHERE NOT EXISTS (SELECT 1 FROM {{schema}}.paused_queues AS p WHERE p.queue = u.name)
  ) AS q
  CROSS JOIN LATERAL (
    SELECT id, ctid, priority, run_at FROM {{schema}}.jobs
    WHERE queue = q.name AND state IN ('pending','scheduled','retrying') AND run_at <= now() AND group_key IS NULL
    ORDER BY priority DESC, run_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ) AS w
  ORDER BY w.priority DESC, w.run_at, w.id
  LIMIT $2
),
claimed AS (
  UPDATE {{schema}}.jobs AS j
  SET state = 'running', attempt = j.attempt + 1, worker_id = $3,
      lease_expires_at = now() + $4 * interval '1 millisecond', started_at = now(), progress = NULL
  WHERE j.ctid = ANY (ARRAY(SELECT ctid FROM picked))
  RETURNING j.*
),
{{claimed_rows}}
