-- Retention: deletes ended jobs oldest first, one state at a time. Only ended rows are in this
-- index, so it costs nothing until a job ends and lets each small delete read just its rows.
CREATE INDEX errand_jobs_ended ON errand_jobs (state, finished_at, id)
  WHERE state IN ('completed','failed','canceled');

-- Named leases for maintenance that one process at a time should run (retention). A holder
-- renews its lease while it works; one that crashed is replaced once its lease expires.
CREATE TABLE errand_maintenance_leases (
  name       TEXT    PRIMARY KEY,
  holder     TEXT    NOT NULL,
  expires_at INTEGER NOT NULL
);
