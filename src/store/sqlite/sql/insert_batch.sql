INSERT INTO errand_batches (created_at, total, on_complete_job_id)
VALUES (@now, @total, @on_complete_job_id)
RETURNING *;
