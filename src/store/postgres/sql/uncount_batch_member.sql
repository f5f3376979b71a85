-- $1 batch id $2 the member's earlier ending. A batch member replayed before its batch ended:
-- that ending no longer counts; it is counted when it ends again. Once the batch has ended,
-- nothing changes (and the member's next ending is not counted either: see count_batch_members.sql).
UPDATE {{schema}}.batches
SET completed = completed - ($2::text = 'completed')::int,
    failed = failed - ($2::text = 'failed')::int,
    canceled = canceled - ($2::text = 'canceled')::int
WHERE id = $1 AND completed + failed + canceled < total;
