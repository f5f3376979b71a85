-- Creates or redefines a schedule. Saving the same cron and time zone again (every process
-- does so at start) keeps the tick it waits for; a new cron or time zone starts from
-- @next_tick_at. Paused stays as it was.
INSERT INTO errand_schedules
  (name, cron, timezone, type, payload, job_options, misfire_policy, backfill_limit, misfire_grace_ms,
   next_tick_at, created_at, updated_at)
VALUES
  (@name, @cron, @timezone, @type, @payload, @job_options, @misfire_policy, @backfill_limit, @misfire_grace_ms,
   @next_tick_at, @now, @now)
ON CONFLICT (name) DO UPDATE SET
  next_tick_at = CASE WHEN cron = excluded.cron AND timezone = excluded.timezone THEN next_tick_at
                      ELSE excluded.next_tick_at END,
  cron = excluded.cron,
  timezone = excluded.timezone,
  type = excluded.type,
  payload = excluded.payload,
  job_options = excluded.job_options,
  misfire_policy = excluded.misfire_policy,
  backfill_limit = excluded.backfill_limit,
  misfire_grace_ms = excluded.misfire_grace_ms,
  updated_at = excluded.updated_at
RETURNING *;
