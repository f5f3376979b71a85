-- Retention: deletes ended jobs oldest first, one state at a time. Only ended rows are in this
-- index, so it costs nothing until a job ends and lets each small delete read just its rows.
CREATE INDEX jobs_ended ON {{schema}}.jobs (state, finished_at, id)
  WHERE state IN ('completed','failed','canceled');

-- Named leases for maintenance that one process at a time should run (retention). A holder
-- renews its lease while it works; one that crashed is replaced once its lease expires. A row
-- rather than an advisory lock: a session lock would be tied to one pooled connection.
CREATE TABLE {{schema}}.maintenance_leases (
  name       text        PRIMARY KEY,
  holder     text        NOT NULL,
  expires_at timestamptz NOT NULL
);
