-- @flow_ids: JSON array of the flows deleted jobs belonged to. A flow goes with its last node.
DELETE FROM errand_flows
WHERE id IN (SELECT value FROM json_each(@flow_ids))
  AND NOT EXISTS (SELECT 1 FROM errand_jobs AS j WHERE j.flow_id = errand_flows.id);
