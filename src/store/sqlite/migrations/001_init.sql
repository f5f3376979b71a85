-- Jobs of every state live in one table. Times are milliseconds since the epoch.
CREATE TABLE errand_jobs (
  -- AUTOINCREMENT: ids are never reused after old jobs are deleted, so cursors and
  -- fencing tokens stay unambiguous.
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  type             TEXT    NOT NULL,
  queue            TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN
                     ('pending','scheduled','blocked','running','retrying','completed','failed','canceled')),
  payload          TEXT    NOT NULL,
  priority         INTEGER NOT NULL DEFAULT 0,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  timeout_ms       INTEGER,
  backoff          TEXT    NOT NULL,
  progress         REAL,
  result           TEXT,
  errors           TEXT    NOT NULL DEFAULT '[]',
  idempotency_key  TEXT    UNIQUE,
  created_at       INTEGER NOT NULL,
  run_at           INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  worker_id        TEXT,
  lease_expires_at INTEGER
);

-- Serves claims: only waiting jobs are in it, so finished rows never slow a claim down.
-- Ordered per queue the way claims take jobs, so a claim reads just the rows it takes.
CREATE INDEX errand_jobs_waiting ON errand_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying');

-- Serves the lease reaper.
CREATE INDEX errand_jobs_leases ON errand_jobs (lease_expires_at) WHERE state = 'running';
