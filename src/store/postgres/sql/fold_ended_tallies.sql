-- Folds into slot 0 (see migration 012) the changes the triggers recorded and the tallies of
-- backends that have gone, so the tallies hold one row per queue and state, plus one per live
-- backend that completed jobs. A tally row locked right now (a new backend that took a gone one's
-- pid is adding to it) is skipped, left for a later round; a change another fold is taking is
-- waited for and then found gone. Returns how many rows it folded.
WITH gone AS (
  DELETE FROM {{schema}}.ended_tallies AS t
  WHERE (t.queue, t.state, t.slot) IN (
    SELECT g.queue, g.state, g.slot FROM {{schema}}.ended_tallies AS g
    WHERE g.slot <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = g.slot)
    FOR UPDATE SKIP LOCKED
  )
  RETURNING t.queue, t.state, t.n
),
changes AS (
  DELETE FROM {{schema}}.ended_tally_changes RETURNING queue, state, n
),
folded AS (
  INSERT INTO {{schema}}.ended_tallies AS t (queue, state, slot, n)
  SELECT queue, state, 0, sum(n) FROM (SELECT * FROM gone UNION ALL SELECT * FROM changes) AS f
  GROUP BY queue, state
  ORDER BY queue, state
  ON CONFLICT (queue, state, slot) DO UPDATE SET n = t.n + excluded.n
)
SELECT (SELECT count(*) FROM gone)::int + (SELECT count(*) FROM changes)::int AS folded;
