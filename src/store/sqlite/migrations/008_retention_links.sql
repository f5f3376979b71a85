-- Retention deletes a batch's row together with its onComplete job: looked up by that job.
CREATE INDEX errand_batches_on_complete ON errand_batches (on_complete_job_id);
