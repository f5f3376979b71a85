-- Flows (jobs that wait for jobs) and batches (jobs whose ending is counted). Times are
-- milliseconds since the epoch. No foreign keys: retention deletes old jobs and their rows here
-- on its own schedule.

-- AUTOINCREMENT: ids are never reused after old flows and batches are deleted.
CREATE TABLE errand_flows (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL
);

-- One row per edge: child_id waits for parent_id, named at `position` in the child's list of
-- parents (so a flow reads back as it was written). resolved turns 1 once the parent's ending
-- has been applied to the child, so a replayed parent that ends again cannot release the
-- child a second time. Keyed by parent: what a job's ending looks up.
CREATE TABLE errand_job_dependencies (
  parent_id INTEGER NOT NULL,
  child_id  INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  resolved  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
-- Serves a handler reading its parents' results.
CREATE INDEX errand_job_dependencies_child ON errand_job_dependencies (child_id);

-- Serves reading and canceling a flow's nodes.
CREATE INDEX errand_jobs_flow ON errand_jobs (flow_id) WHERE flow_id IS NOT NULL;

-- Counted in the transaction of each member's terminal transition; when the last member ends,
-- that same transaction releases the on_complete job (inserted blocked with the batch).
CREATE TABLE errand_batches (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at         INTEGER NOT NULL,
  total              INTEGER NOT NULL,
  completed          INTEGER NOT NULL DEFAULT 0,
  failed             INTEGER NOT NULL DEFAULT 0,
  canceled           INTEGER NOT NULL DEFAULT 0,
  on_complete_job_id INTEGER NOT NULL
);
