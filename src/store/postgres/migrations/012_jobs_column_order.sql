-- Rewrites the jobs table with its columns in a new order: those written once first, those a
-- claim or a completion changes last. An update whose new row version stays on its page (see
-- 011_jobs_fillfactor.sql) is logged as the bytes between the longest common prefix and suffix
-- of the old and new rows; with the payload, the backoff and the other fixed columns ahead of
-- everything that changes, those bytes are little more than what changed. process_c50: update
-- records 243 → 142 bytes each on average (headers included), WAL 903 → 702 bytes per job, and
-- 4 interleaved pairs at +7 % jobs/s (median). A larger payload gains more: it is logged once
-- (the insert), not three times.
-- The rewrite holds the table's lock while it copies and re-indexes: 8.6 s for a million kept jobs on
-- the 2 vCPU machine of the README's figures. Run `errand migrate` before starting the new workers.
-- Same names for the table, its sequence (ids go on from where they were), indexes and checks.
-- The old table, its sequence and its indexes step aside under other names (index names are
-- the schema's), and go with the DROP once their rows are copied.
ALTER TABLE {{schema}}.jobs RENAME TO jobs_before_012;
ALTER SEQUENCE {{schema}}.jobs_id_seq RENAME TO jobs_before_012_id_seq;
ALTER INDEX {{schema}}.jobs_pkey RENAME TO jobs_before_012_pkey;
ALTER INDEX {{schema}}.jobs_waiting RENAME TO jobs_before_012_waiting;
ALTER INDEX {{schema}}.jobs_waiting_grouped RENAME TO jobs_before_012_waiting_grouped;
ALTER INDEX {{schema}}.jobs_leases RENAME TO jobs_before_012_leases;
ALTER INDEX {{schema}}.jobs_webhook_pending RENAME TO jobs_before_012_webhook_pending;
ALTER INDEX {{schema}}.jobs_group_queue RENAME TO jobs_before_012_group_queue;
ALTER INDEX {{schema}}.jobs_group_running RENAME TO jobs_before_012_group_running;
ALTER INDEX {{schema}}.jobs_ended RENAME TO jobs_before_012_ended;
ALTER INDEX {{schema}}.jobs_flow RENAME TO jobs_before_012_flow;
ALTER INDEX {{schema}}.jobs_idempotency_key RENAME TO jobs_before_012_idempotency_key;
-- Kept: 001_init.sql's notes on id (an identity, never reused) and payload (json, kept as sent).
CREATE TABLE {{schema}}.jobs (
  -- Set when the job is enqueued, never changed.
  id                bigint      GENERATED ALWAYS AS IDENTITY,
  type              text        NOT NULL,
  queue             text        NOT NULL,
  priority          integer     NOT NULL DEFAULT 0,
  payload           json        NOT NULL,
  max_attempts      integer     NOT NULL,
  timeout_ms        integer,
  backoff           jsonb       NOT NULL,
  idempotency_key   text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  correlation_id    text,
  webhook_url       text,
  group_key         text,
  group_limit       integer,
  flow_id           bigint,
  flow_node         text,
  on_parent_failure text        CONSTRAINT jobs_on_parent_failure_check CHECK (on_parent_failure IN ('cancel','continue')),
  batch_id          bigint,
  -- Changed now and then: a retry or snooze (run_at), a parent's ending, a webhook sent, a failure.
  run_at            timestamptz NOT NULL,
  parents_waiting   integer     NOT NULL DEFAULT 0,
  webhook_pending   boolean     NOT NULL DEFAULT false,
  errors            jsonb       NOT NULL DEFAULT '[]',
  -- Changed by every claim and every completion.
  state             text        NOT NULL CONSTRAINT jobs_state_check CHECK (state IN
                      ('pending','scheduled','blocked','running','retrying','completed','failed','canceled')),
  attempt           integer     NOT NULL DEFAULT 0,
  started_at        timestamptz,
  progress          double precision,
  result            json,
  finished_at       timestamptz,
  worker_id         text,
  lease_expires_at  timestamptz
) WITH (fillfactor = 50);
INSERT INTO {{schema}}.jobs
  (id, type, queue, priority, payload, max_attempts, timeout_ms, backoff, idempotency_key, created_at, correlation_id,
   webhook_url, group_key, group_limit, flow_id, flow_node, on_parent_failure, batch_id, run_at, parents_waiting,
   webhook_pending, errors, state, attempt, started_at, progress, result, finished_at, worker_id, lease_expires_at)
OVERRIDING SYSTEM VALUE
SELECT id, type, queue, priority, payload, max_attempts, timeout_ms, backoff, idempotency_key, created_at, correlation_id,
       webhook_url, group_key, group_limit, flow_id, flow_node, on_parent_failure, batch_id, run_at, parents_waiting,
       webhook_pending, errors, state, attempt, started_at, progress, result, finished_at, worker_id, lease_expires_at
FROM {{schema}}.jobs_before_012 ORDER BY id;
-- is_called false (no id drawn yet) stays false: the next id is last_value either way.
SELECT setval('{{schema}}.jobs_id_seq', last_value, is_called) FROM {{schema}}.jobs_before_012_id_seq;
DROP TABLE {{schema}}.jobs_before_012;
-- Indexes are built after the copy (one sort each, not an insert per row), as 001–010 left them.
ALTER TABLE {{schema}}.jobs ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);
CREATE INDEX jobs_waiting ON {{schema}}.jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL;
CREATE INDEX jobs_waiting_grouped ON {{schema}}.jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL;
CREATE INDEX jobs_group_queue ON {{schema}}.jobs (group_key, id)
  WHERE group_key IS NOT NULL AND state IN ('pending','scheduled','retrying','blocked');
CREATE INDEX jobs_group_running ON {{schema}}.jobs (group_key) WHERE group_key IS NOT NULL AND state = 'running';
CREATE INDEX jobs_leases ON {{schema}}.jobs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
CREATE INDEX jobs_webhook_pending ON {{schema}}.jobs (id) WHERE webhook_pending;
CREATE INDEX jobs_ended ON {{schema}}.jobs (state, finished_at, id) WHERE state IN ('completed','failed','canceled');
CREATE INDEX jobs_flow ON {{schema}}.jobs (flow_id) WHERE flow_id IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency_key ON {{schema}}.jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
