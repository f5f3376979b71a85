-- @keys JSON array. The windows of the limits a claim enforces; the claim's write transaction
-- (BEGIN IMMEDIATE) keeps every other process out until it commits.
SELECT key, starts FROM errand_limit_windows WHERE key IN (SELECT value FROM json_each(@keys));
