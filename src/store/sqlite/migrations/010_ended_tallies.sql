-- How many ended jobs each queue holds, per state, kept as jobs end, are replayed and are
-- deleted: counting a queue's jobs then reads a few rows for the ended ones, where it read
-- every kept job (300–460 ms per million, the process blocked meanwhile). Waiting, blocked and
-- running jobs are still counted from their rows, through the partial indexes that hold only
-- them (count_jobs.sql).
-- The store adds to them in the transaction of each change (ended-tally.ts), once per
-- transaction and queue. Triggers would also count an older version's writes, and
-- PostgreSQL's do (migration 012 there), but here they cost every completion about 2 µs, a
-- sixth of process_c50's throughput (42k against 50k jobs/s): a table with an update trigger
-- has each updated row's old values copied out for it, whether it fires or not. So after
-- this migration, stop any process of an older version still working this file: the jobs it
-- ended would be missing from the counts.
CREATE TABLE errand_ended_tallies (
  queue TEXT    NOT NULL,
  state TEXT    NOT NULL CHECK (state IN ('completed','failed','canceled')),
  n     INTEGER NOT NULL,
  PRIMARY KEY (queue, state)
) WITHOUT ROWID;

INSERT INTO errand_ended_tallies (queue, state, n)
SELECT queue, state, count(*) FROM errand_jobs
WHERE state IN ('completed','failed','canceled')
GROUP BY queue, state;

-- Blocked jobs (flow children, batch callbacks) had no index of their own to be counted by.
CREATE INDEX errand_jobs_blocked ON errand_jobs (queue) WHERE state = 'blocked';
