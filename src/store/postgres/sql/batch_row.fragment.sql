-- The columns of a batch as flow-batch-rows.ts reads them, from a `batches AS b` (why not
-- `b.*`: see job_row.fragment.sql).
b.id, b.created_at, b.total, b.completed, b.failed, b.canceled, b.on_complete_job_id
