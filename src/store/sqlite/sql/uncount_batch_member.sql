-- A batch member replayed before its batch ended: its earlier ending (@state) no longer counts;
-- it is counted when it ends again. Once the batch has ended, nothing changes (and the member's
-- next ending is not counted either: see count_batch_members.sql).
UPDATE errand_batches
SET completed = completed - (@state = 'completed'),
    failed = failed - (@state = 'failed'),
    canceled = canceled - (@state = 'canceled')
WHERE id = @batch_id AND completed + failed + canceled < total;
