-- $1 total. Its onComplete job is inserted after its members, in the same transaction, and
-- named by set_batch_on_complete.sql; till then the batch names none (0: no job has that id).
INSERT INTO {{schema}}.batches AS b (total, on_complete_job_id) VALUES ($1, 0) RETURNING {{batch_row}};
