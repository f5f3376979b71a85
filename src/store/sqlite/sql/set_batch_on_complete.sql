-- @id a batch, @on_complete_job_id its onComplete job's id (see insert_batch.sql).
UPDATE errand_batches SET on_complete_job_id = @on_complete_job_id WHERE id = @id RETURNING *;
