-- Creates or redefines a schedule. Saving the same cron and time zone again (every process
-- does so at start) keeps the tick it waits for; a new cron or time zone starts from $10.
-- Paused stays as it was.
-- $1 name $2 cron $3 timezone $4 type $5 payload (JSON text) $6 job_options (JSON text)
-- $7 misfire_policy $8 backfill_limit $9 misfire_grace_ms $10 next_tick_at
INSERT INTO {{schema}}.schedules AS s
  (name, cron, timezone, type, payload, job_options, misfire_policy, backfill_limit, misfire_grace_ms, next_tick_at)
VALUES ($1, $2, $3, $4, $5::json, $6::jsonb, $7, $8, $9, $10)
ON CONFLICT (name) DO UPDATE SET
  next_tick_at = CASE WHEN s.cron = excluded.cron AND s.timezone = excluded.timezone THEN s.next_tick_at
                      ELSE excluded.next_tick_at END,
  cron = excluded.cron,
  timezone = excluded.timezone,
  type = excluded.type,
  payload = excluded.payload,
  job_options = excluded.job_options,
  misfire_policy = excluded.misfire_policy,
  backfill_limit = excluded.backfill_limit,
  misfire_grace_ms = excluded.misfire_grace_ms,
  updated_at = now()
RETURNING {{schedule_row}};
