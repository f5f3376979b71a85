-- @ids: JSON array of distinct id strings, at most IDS_PER_STATEMENT (id-chunks.ts). Ids with no job are left out.
SELECT * FROM errand_jobs
WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(@ids))
ORDER BY id;
