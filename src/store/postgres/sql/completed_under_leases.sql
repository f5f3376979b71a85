-- $1 id[] $2 attempt[] $3 worker_id[], as in lease_held.fragment.sql: the positions n (1-based)
-- of the leases whose job is completed under that very lease (same attempt, same worker). A
-- completion refused only because it already committed: sent again after its first commit's
-- reply was lost. Only an attempt's own worker can complete it, so none other matches.
SELECT width_bucket(j.id, $1::bigint[]) AS n
FROM {{schema}}.jobs AS j
WHERE j.id = ANY ($1::bigint[]) AND j.state = 'completed' AND {{lease_matches}};
