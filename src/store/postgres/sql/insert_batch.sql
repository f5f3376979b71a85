-- $1 total $2 on_complete_job_id
INSERT INTO {{schema}}.batches (total, on_complete_job_id) VALUES ($1, $2) RETURNING *;
