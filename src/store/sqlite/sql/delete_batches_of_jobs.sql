-- @ids: JSON array of deleted job ids. A batch goes with its onComplete job, which ends only
-- after every member ended.
DELETE FROM errand_batches WHERE on_complete_job_id IN (SELECT value FROM json_each(@ids));
