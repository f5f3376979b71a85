-- How many ended jobs each queue holds, per state, kept as jobs end, are replayed and are
-- deleted: counting a queue's jobs then reads a few rows for the ended ones, where it read
-- every kept job (about 140-200 ms per million). Waiting, blocked and running jobs are still
-- counted from their rows, through the partial indexes that hold only them (count_jobs.sql).
--
-- Completions, the hot path, add to the tallies in their own statement, once per batch
-- (complete_update.fragment.sql). Every other change of an ended job is recorded by the triggers
-- below, which also record completions that no such statement tallied: those of an older version
-- still running during a rolling upgrade, and any insert, update or delete by hand. Measured on
-- process_c50 (isolated runs, 3 each): no trigger 48.7k jobs/s; a statement trigger over
-- transition tables on every update 44.9k (it runs for every claim and heartbeat too); a row
-- trigger calling plpgsql for every completion about a fifth less.
--
-- Each backend adds its completions to rows of its own (slot = its pid), so two transactions
-- never wait on one another's tallies nor deadlock over them. The triggers append one row per job
-- to ended_tally_changes instead: adding to one row again and again inside one transaction leaves
-- a chain of its versions that each next update walks, quadratic in the rows a statement changes
-- (40,000 rows deleted by hand took 7.6 s that way). A count is the sum over both tables; the
-- store folds the changes, and the rows of backends that have gone, into slot 0
-- (fold_ended_tallies.sql).
CREATE TABLE {{schema}}.ended_tallies (
  queue text    NOT NULL,
  state text    NOT NULL CHECK (state IN ('completed','failed','canceled')),
  slot  integer NOT NULL,
  n     bigint  NOT NULL,
  PRIMARY KEY (queue, state, slot)
);

CREATE TABLE {{schema}}.ended_tally_changes (
  queue text    NOT NULL,
  state text    NOT NULL CHECK (state IN ('completed','failed','canceled')),
  n     integer NOT NULL
);

-- One job's change: -1 where it was ended, +1 where it now is.
CREATE FUNCTION {{schema}}.tally_changed_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.state IN ('completed','failed','canceled') THEN
    INSERT INTO {{schema}}.ended_tally_changes (queue, state, n) VALUES (OLD.queue, OLD.state, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.state IN ('completed','failed','canceled') THEN
    INSERT INTO {{schema}}.ended_tally_changes (queue, state, n) VALUES (NEW.queue, NEW.state, 1);
  END IF;
  RETURN NULL;
END $$;

-- A TRUNCATE (a test suite resetting its database, say) deletes every job at once.
CREATE FUNCTION {{schema}}.clear_ended_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {{schema}}.ended_tallies;
  DELETE FROM {{schema}}.ended_tally_changes;
  RETURN NULL;
END $$;

-- Held to the end of this migration: writers in flight finish first, and later ones wait, so
-- the count below and the triggers see exactly the same jobs.
LOCK TABLE {{schema}}.jobs IN SHARE ROW EXCLUSIVE MODE;

-- Each condition is evaluated without calling the function, so enqueues, claims and the
-- completions that tallied themselves (they set errand.completions_tallied for their transaction)
-- cost nothing.
CREATE TRIGGER jobs_tally_updates AFTER UPDATE OF state, queue ON {{schema}}.jobs
  FOR EACH ROW
  WHEN ((OLD.state, OLD.queue) IS DISTINCT FROM (NEW.state, NEW.queue)
        AND (OLD.state IN ('completed','failed','canceled') OR NEW.state IN ('completed','failed','canceled'))
        AND NOT (NEW.state = 'completed' AND current_setting('errand.completions_tallied', true) IS NOT DISTINCT FROM 'on'))
  EXECUTE FUNCTION {{schema}}.tally_changed_job();
CREATE TRIGGER jobs_tally_deletes AFTER DELETE ON {{schema}}.jobs
  FOR EACH ROW WHEN (OLD.state IN ('completed','failed','canceled'))
  EXECUTE FUNCTION {{schema}}.tally_changed_job();
-- Errand inserts no job already ended; a restore by hand may.
CREATE TRIGGER jobs_tally_inserts AFTER INSERT ON {{schema}}.jobs
  FOR EACH ROW WHEN (NEW.state IN ('completed','failed','canceled'))
  EXECUTE FUNCTION {{schema}}.tally_changed_job();
CREATE TRIGGER jobs_tally_truncates AFTER TRUNCATE ON {{schema}}.jobs
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.clear_ended_tallies();

INSERT INTO {{schema}}.ended_tallies (queue, state, slot, n)
SELECT queue, state, 0, count(*) FROM {{schema}}.jobs
WHERE state IN ('completed','failed','canceled')
GROUP BY queue, state;

-- Blocked jobs (flow children, batch callbacks) had no index of their own to be counted by.
CREATE INDEX jobs_blocked ON {{schema}}.jobs (queue) WHERE state = 'blocked';
