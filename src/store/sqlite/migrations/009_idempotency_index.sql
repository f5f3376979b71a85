-- Most jobs have no idempotency key, yet the column's UNIQUE constraint indexes their NULLs
-- too: an index entry written for every insert and moved by every claim and completion. Only
-- keys are indexed now, by a partial unique index (ON CONFLICT names it by its predicate).
-- SQLite cannot drop a column constraint, so the table is rebuilt: same columns in the same
-- order, same checks, every index recreated, ids kept, and the id sequence kept at its
-- high-water mark so ids of deleted jobs are never handed out again. The migration runs in
-- one transaction (see migrate.ts): a crash leaves the old table as it was.
CREATE TABLE errand_jobs_rebuilt (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  type              TEXT    NOT NULL,
  queue             TEXT    NOT NULL,
  state             TEXT    NOT NULL CHECK (state IN
                      ('pending','scheduled','blocked','running','retrying','completed','failed','canceled')),
  payload           TEXT    NOT NULL,
  priority          INTEGER NOT NULL DEFAULT 0,
  attempt           INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  timeout_ms        INTEGER,
  backoff           TEXT    NOT NULL,
  progress          REAL,
  result            TEXT,
  errors            TEXT    NOT NULL DEFAULT '[]',
  idempotency_key   TEXT,
  created_at        INTEGER NOT NULL,
  run_at            INTEGER NOT NULL,
  started_at        INTEGER,
  finished_at       INTEGER,
  worker_id         TEXT,
  lease_expires_at  INTEGER,
  correlation_id    TEXT,
  webhook_url       TEXT,
  webhook_pending   INTEGER NOT NULL DEFAULT 0,
  group_key         TEXT,
  group_limit       INTEGER,
  flow_id           INTEGER,
  flow_node         TEXT,
  parents_waiting   INTEGER NOT NULL DEFAULT 0,
  on_parent_failure TEXT CHECK (on_parent_failure IN ('cancel','continue')),
  batch_id          INTEGER
);

INSERT INTO errand_jobs_rebuilt
  (id, type, queue, state, payload, priority, attempt, max_attempts, timeout_ms, backoff, progress, result,
   errors, idempotency_key, created_at, run_at, started_at, finished_at, worker_id, lease_expires_at,
   correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
   on_parent_failure, batch_id)
SELECT id, type, queue, state, payload, priority, attempt, max_attempts, timeout_ms, backoff, progress, result,
       errors, idempotency_key, created_at, run_at, started_at, finished_at, worker_id, lease_expires_at,
       correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
       on_parent_failure, batch_id
FROM errand_jobs;

-- The copy set the new table's sequence to the highest id kept; the old one may be higher
-- (its newest jobs deleted). Carry the old high-water mark over before it is dropped.
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'errand_jobs'), 0))
WHERE name = 'errand_jobs_rebuilt';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'errand_jobs_rebuilt', seq FROM sqlite_sequence
WHERE name = 'errand_jobs' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'errand_jobs_rebuilt');

DROP TABLE errand_jobs;
ALTER TABLE errand_jobs_rebuilt RENAME TO errand_jobs;

CREATE UNIQUE INDEX errand_jobs_idempotency_key ON errand_jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The indexes of migrations 001–008, as they stand.
CREATE INDEX errand_jobs_waiting ON errand_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL;
CREATE INDEX errand_jobs_waiting_grouped ON errand_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL;
CREATE INDEX errand_jobs_group_queue ON errand_jobs (group_key, id)
  WHERE group_key IS NOT NULL AND state IN ('pending','scheduled','retrying','blocked');
CREATE INDEX errand_jobs_group_running ON errand_jobs (group_key)
  WHERE group_key IS NOT NULL AND state = 'running';
CREATE INDEX errand_jobs_leases ON errand_jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX errand_jobs_webhook_pending ON errand_jobs (id) WHERE webhook_pending = 1;
CREATE INDEX errand_jobs_ended ON errand_jobs (state, finished_at, id)
  WHERE state IN ('completed','failed','canceled');
CREATE INDEX errand_jobs_flow ON errand_jobs (flow_id) WHERE flow_id IS NOT NULL;
