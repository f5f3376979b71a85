-- Retention deletes a batch's row together with its onComplete job: looked up by that job.
CREATE INDEX batches_on_complete ON {{schema}}.batches (on_complete_job_id);
