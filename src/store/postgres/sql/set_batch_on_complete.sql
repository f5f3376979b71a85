-- $1 batch id $2 its onComplete job's id (see insert_batch.sql).
UPDATE {{schema}}.batches AS b SET on_complete_job_id = $2 WHERE id = $1
RETURNING {{batch_row}};
