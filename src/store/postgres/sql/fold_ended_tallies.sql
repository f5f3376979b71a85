-- Folds the tallies of backends that have gone (see migration 012) into slot 0, so the table
-- holds one row per queue and state, plus one per live backend that changed ended jobs. A row
-- locked right now (a new backend that took a gone one's pid is adding to it) is skipped, left
-- for a later round. Returns how many rows it folded.
WITH gone AS (
  DELETE FROM {{schema}}.ended_tallies AS t
  WHERE (t.queue, t.state, t.slot) IN (
    SELECT g.queue, g.state, g.slot FROM {{schema}}.ended_tallies AS g
    WHERE g.slot <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = g.slot)
    FOR UPDATE SKIP LOCKED
  )
  RETURNING t.queue, t.state, t.n
),
folded AS (
  INSERT INTO {{schema}}.ended_tallies AS t (queue, state, slot, n)
  SELECT queue, state, 0, sum(n) FROM gone
  GROUP BY queue, state
  ORDER BY queue, state
  ON CONFLICT (queue, state, slot) DO UPDATE SET n = t.n + excluded.n
)
SELECT count(*)::int AS folded FROM gone;
