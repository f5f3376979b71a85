-- How many ended jobs each queue holds, per state, kept as jobs end, are replayed and are
-- deleted: counting a queue's jobs then reads a few rows for the ended ones, where it read
-- every kept job (about 200 ms per million). Waiting, blocked and running jobs are still
-- counted from their rows, through the partial indexes that hold only them (count_jobs.sql).
--
-- Triggers keep the tallies, so every statement that changes an ended job counts: this
-- version's, an older version's still running during a rolling upgrade, an operator's by hand.
-- Once per statement over its transition tables, not once per row: a row trigger's plpgsql
-- call cost about a fifth of process_c50's throughput (39k against 47k jobs/s), a statement
-- trigger no more than the run-to-run noise. Errand never inserts a job that has already
-- ended, so enqueues fire nothing.
--
-- Each backend adds to rows of its own (slot = its pid), so two transactions never wait on one
-- another's tallies nor deadlock over them. A queue's count is the sum over its slots; the store
-- folds the rows of backends that have gone into slot 0 (fold_ended_tallies.sql).
CREATE TABLE {{schema}}.ended_tallies (
  queue text    NOT NULL,
  state text    NOT NULL CHECK (state IN ('completed','failed','canceled')),
  slot  integer NOT NULL,
  n     bigint  NOT NULL,
  PRIMARY KEY (queue, state, slot)
);

-- Rows that entered an ended state count +1, rows that left one -1 (a replay), per queue and
-- state; an update that leaves a job's state as it was nets to nothing.
CREATE FUNCTION {{schema}}.tally_updated_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {{schema}}.ended_tallies AS t (queue, state, slot, n)
  SELECT queue, state, pg_backend_pid(), sum(n) FROM (
    SELECT queue, state, 1 AS n FROM new_rows WHERE state IN ('completed','failed','canceled')
    UNION ALL
    SELECT queue, state, -1 AS n FROM old_rows WHERE state IN ('completed','failed','canceled')
  ) AS changes
  GROUP BY queue, state HAVING sum(n) <> 0
  ORDER BY queue, state
  ON CONFLICT (queue, state, slot) DO UPDATE SET n = t.n + excluded.n;
  RETURN NULL;
END $$;

CREATE FUNCTION {{schema}}.tally_deleted_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {{schema}}.ended_tallies AS t (queue, state, slot, n)
  SELECT queue, state, pg_backend_pid(), -count(*) FROM old_rows
  WHERE state IN ('completed','failed','canceled')
  GROUP BY queue, state
  ORDER BY queue, state
  ON CONFLICT (queue, state, slot) DO UPDATE SET n = t.n + excluded.n;
  RETURN NULL;
END $$;

-- A TRUNCATE (a test suite resetting its database, say) deletes every job at once.
CREATE FUNCTION {{schema}}.clear_ended_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {{schema}}.ended_tallies;
  RETURN NULL;
END $$;

-- Held to the end of this migration: writers in flight finish first, and later ones wait, so
-- the count below and the triggers see exactly the same jobs.
LOCK TABLE {{schema}}.jobs IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER jobs_tally_updates AFTER UPDATE ON {{schema}}.jobs
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.tally_updated_jobs();
CREATE TRIGGER jobs_tally_deletes AFTER DELETE ON {{schema}}.jobs
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.tally_deleted_jobs();
CREATE TRIGGER jobs_tally_truncates AFTER TRUNCATE ON {{schema}}.jobs
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.clear_ended_tallies();

INSERT INTO {{schema}}.ended_tallies (queue, state, slot, n)
SELECT queue, state, 0, count(*) FROM {{schema}}.jobs
WHERE state IN ('completed','failed','canceled')
GROUP BY queue, state;

-- Blocked jobs (flow children, batch callbacks) had no index of their own to be counted by.
CREATE INDEX jobs_blocked ON {{schema}}.jobs (queue) WHERE state = 'blocked';
