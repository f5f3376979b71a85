-- $1 type $2 queue $3 visible state $4 cursor (id) $5 limit; NULL filters match everything.
-- Planned for each call's values (statements.ts: not prepared once per connection), so the
-- CASE below folds to the one arm of $3, on the stored state, which the indexes serve. With
-- every finished job kept, a listing of a few failed or waiting jobs in id order would otherwise
-- read every kept row looking for them (400 ms with a million completed rows, against 1 ms):
--   failed, canceled, completed: jobs_ended (or the primary key, when most rows match);
--   pending, scheduled, retrying: jobs_waiting and jobs_waiting_grouped, one for each side of
--     `group_key IS NULL OR group_key IS NOT NULL`, which says nothing but lets both serve;
--   running: jobs_leases (a running job holds a lease; an ended one holds none);
--   blocked: jobs_blocked (migration 012).
-- The visible state is visible_state()'s (a scheduled or retrying job whose time has come is
-- pending), spelled out on the stored state.
SELECT {{job_row}}
FROM {{schema}}.jobs AS j
WHERE ($1::text IS NULL OR type = $1)
  AND ($2::text IS NULL OR queue = $2)
  AND CASE
        WHEN $3::text IS NULL THEN true
        WHEN $3 IN ('pending', 'scheduled', 'retrying') THEN
          state IN ('pending', 'scheduled', 'retrying') AND (group_key IS NULL OR group_key IS NOT NULL)
          AND CASE $3
                WHEN 'pending' THEN state = 'pending' OR run_at <= now()
                ELSE state = $3 AND run_at > now()
              END
        WHEN $3 = 'running' THEN state = 'running' AND lease_expires_at IS NOT NULL
        ELSE state = $3
      END
  AND ($4::bigint IS NULL OR id < $4)
-- Failed and canceled jobs are read from jobs_ended and sorted, never found by walking the
-- primary key down: those of one bad hour may all lie below millions of completed ones, which
-- the planner, taking them as spread evenly, would walk through (250 ms for a page of 50 failed
-- jobs below a million completed; 4 ms sorted). `id + 0` is the same order, but no index's.
ORDER BY CASE WHEN $3 IN ('failed', 'canceled') THEN id + 0 ELSE id END DESC
LIMIT $5;
