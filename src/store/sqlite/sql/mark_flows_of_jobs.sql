-- @flow_ids: JSON array of the flows deleted jobs of @state belonged to. A flow that keeps other
-- nodes remembers that a failed or canceled one went (see 012_deleted_flow_nodes.sql); one left
-- without nodes goes itself (delete_flows_of_jobs.sql).
UPDATE errand_flows
SET deleted_failed = deleted_failed OR @state = 'failed',
    deleted_canceled = deleted_canceled OR @state = 'canceled'
WHERE id IN (SELECT value FROM json_each(@flow_ids)) AND @state IN ('failed', 'canceled');
