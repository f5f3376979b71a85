-- The columns of a schedule as schedule-rows.ts reads them, from a `schedules AS s` (why not
-- `s.*`: see job_row.fragment.sql).
s.name, s.cron, s.timezone, s.type, s.payload, s.job_options, s.misfire_policy, s.backfill_limit,
s.misfire_grace_ms, s.paused, s.next_tick_at, s.last_tick_at, s.created_at, s.updated_at
