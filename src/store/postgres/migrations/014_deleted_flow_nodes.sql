-- Whether retention has deleted a failed, or a canceled, node of the flow while others are kept.
-- A flow's state is read from its nodes: without these, a flow whose failed node went first read
-- `completed` from the nodes left. Constant defaults, so adding them rewrites no row.
ALTER TABLE {{schema}}.flows
  ADD COLUMN deleted_failed boolean NOT NULL DEFAULT false,
  ADD COLUMN deleted_canceled boolean NOT NULL DEFAULT false;
