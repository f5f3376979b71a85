-- Whether retention has deleted a failed, or a canceled, node of the flow while others are kept.
-- A flow's state is read from its nodes: without these, a flow whose failed node went first read
-- `completed` from the nodes left.
ALTER TABLE errand_flows ADD COLUMN deleted_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE errand_flows ADD COLUMN deleted_canceled INTEGER NOT NULL DEFAULT 0;
