-- Cron schedules. Every worker process fires the due ones. A firing moves next_tick_at on only
-- if it still holds the value the firer read (compare-and-set; a concurrent firer waits on the
-- row lock, then finds it moved), in the same transaction as the tick's jobs, whose
-- idempotency keys name (schedule, tick): two processes never both enqueue a tick.
CREATE TABLE {{schema}}.schedules (
  name             text        PRIMARY KEY,
  cron             text        NOT NULL,
  timezone         text        NOT NULL,
  type             text        NOT NULL,
  payload          json        NOT NULL,
  -- The options of every job it enqueues, resolved when saved: {queue, priority, maxAttempts, timeoutMs, backoff}.
  job_options      jsonb       NOT NULL,
  misfire_policy   text        NOT NULL CHECK (misfire_policy IN ('latest','skip','backfill')),
  backfill_limit   integer     NOT NULL,
  misfire_grace_ms integer     NOT NULL,
  paused           boolean     NOT NULL DEFAULT false,
  next_tick_at     timestamptz NOT NULL,
  last_tick_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Serves every scheduler's once-a-second look for due schedules: only active ones are in it.
CREATE INDEX schedules_due ON {{schema}}.schedules (next_tick_at) WHERE NOT paused;
