-- Flows (jobs that wait for jobs) and batches (jobs whose ending is counted). No foreign keys:
-- retention deletes old jobs and their rows here on its own schedule.

CREATE TABLE {{schema}}.flows (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per edge: child_id waits for parent_id, named at `position` in the child's list of
-- parents (so a flow reads back as it was written). resolved turns true once the parent's ending
-- has been applied to the child, so a replayed parent that ends again cannot release the
-- child a second time. Keyed by parent: what a job's ending looks up.
CREATE TABLE {{schema}}.job_dependencies (
  parent_id bigint  NOT NULL,
  child_id  bigint  NOT NULL,
  position  integer NOT NULL,
  resolved  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (parent_id, child_id)
);
-- Serves a handler reading its parents' results.
CREATE INDEX job_dependencies_child ON {{schema}}.job_dependencies (child_id);

-- Serves reading and canceling a flow's nodes.
CREATE INDEX jobs_flow ON {{schema}}.jobs (flow_id) WHERE flow_id IS NOT NULL;

-- Counted in the transaction of each member's terminal transition; when the last member ends,
-- that same transaction releases the on_complete job (inserted blocked with the batch).
CREATE TABLE {{schema}}.batches (
  id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at         timestamptz NOT NULL DEFAULT now(),
  total              integer     NOT NULL,
  completed          integer     NOT NULL DEFAULT 0,
  failed             integer     NOT NULL DEFAULT 0,
  canceled           integer     NOT NULL DEFAULT 0,
  on_complete_job_id bigint      NOT NULL
);
