-- {{schema}} is replaced once, at load time, by the validated and quoted schema name.
-- Jobs of every state live in one table. Times are the server's timestamptz.
CREATE TABLE {{schema}}.jobs (
  -- An identity never reuses a value, so cursors and fencing tokens stay unambiguous.
  -- insert_jobs.sql draws ids from its sequence up front to match rows to inputs.
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type             text        NOT NULL,
  queue            text        NOT NULL,
  state            text        NOT NULL CHECK (state IN
                     ('pending','scheduled','blocked','running','retrying','completed','failed','canceled')),
  -- json (not jsonb) keeps the producer's text exactly, key order included.
  payload          json        NOT NULL,
  priority         integer     NOT NULL DEFAULT 0,
  attempt          integer     NOT NULL DEFAULT 0,
  max_attempts     integer     NOT NULL,
  timeout_ms       integer,
  backoff          jsonb       NOT NULL,
  progress         double precision,
  result           json,
  errors           jsonb       NOT NULL DEFAULT '[]',
  idempotency_key  text        UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  run_at           timestamptz NOT NULL,
  started_at       timestamptz,
  finished_at      timestamptz,
  worker_id        text,
  lease_expires_at timestamptz
);

-- Serves claims: only waiting jobs are in it, so finished rows never slow a claim down.
-- Ordered per queue the way claims take jobs, so a claim reads just the rows it takes.
CREATE INDEX jobs_waiting ON {{schema}}.jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying');

-- Serves the lease reaper.
CREATE INDEX jobs_leases ON {{schema}}.jobs (lease_expires_at) WHERE state = 'running';

-- The state users see: a scheduled or retrying job whose run time has come is pending.
-- One definition for every query (core/states.ts visibleState says the same in TypeScript).
CREATE FUNCTION {{schema}}.visible_state(state text, run_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN state IN ('scheduled','retrying') AND run_at <= now() THEN 'pending' ELSE state END $$;
