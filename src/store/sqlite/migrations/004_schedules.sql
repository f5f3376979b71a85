-- Cron schedules. Every worker process fires the due ones. A firing moves next_tick_at on only
-- if it still holds the value the firer read (compare-and-set), in the same transaction as the
-- tick's jobs, whose idempotency keys name (schedule, tick): two processes never both enqueue
-- a tick. Times are milliseconds since the epoch.
CREATE TABLE errand_schedules (
  name             TEXT    PRIMARY KEY,
  cron             TEXT    NOT NULL,
  timezone         TEXT    NOT NULL,
  type             TEXT    NOT NULL,
  payload          TEXT    NOT NULL,
  -- The options of every job it enqueues, resolved when saved: {queue, priority, maxAttempts, timeoutMs, backoff}.
  job_options      TEXT    NOT NULL,
  misfire_policy   TEXT    NOT NULL CHECK (misfire_policy IN ('latest','skip','backfill')),
  backfill_limit   INTEGER NOT NULL,
  misfire_grace_ms INTEGER NOT NULL,
  paused           INTEGER NOT NULL DEFAULT 0,
  next_tick_at     INTEGER NOT NULL,
  last_tick_at     INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);

-- Serves every scheduler's once-a-second look for due schedules: only active ones are in it.
CREATE INDEX errand_schedules_due ON errand_schedules (next_tick_at) WHERE paused = 0;
