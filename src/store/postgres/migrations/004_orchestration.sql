-- What orchestration needs on every job, written by the one insert path so that a job can never
-- exist without it. Tables and indexes of each feature come in that feature's own migration.
-- group_key / group_limit: jobs sharing a key run in enqueue order, at most group_limit at once.
-- flow_id / flow_node: the flow a job belongs to and its node name there.
-- parents_waiting: parents that have not yet ended in a way that releases this job; a job is
--   stored 'blocked' (never claimed) while it is above 0.
-- on_parent_failure: 'cancel' (default for flow nodes) or 'continue'.
-- batch_id: the batch a job is a member of.
ALTER TABLE {{schema}}.jobs
  ADD COLUMN group_key         text,
  ADD COLUMN group_limit       integer,
  ADD COLUMN flow_id           bigint,
  ADD COLUMN flow_node         text,
  ADD COLUMN parents_waiting   integer NOT NULL DEFAULT 0,
  ADD COLUMN on_parent_failure text CHECK (on_parent_failure IN ('cancel','continue')),
  ADD COLUMN batch_id          bigint;
