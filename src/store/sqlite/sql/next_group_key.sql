-- @after. The first group key after @after with members not started (one index probe):
-- grouped claims visit groups one by one, so their cost follows the groups visited, not backlogs.
SELECT min(group_key) AS key FROM errand_jobs
WHERE group_key > @after AND state IN ('pending','scheduled','retrying','blocked');
