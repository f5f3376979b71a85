(
  -- The onComplete job's payload with the batch summary merged in, as SQLite's json_patch does:
  -- the payload's own keys first, in their order, nested values as written, then the summary's
  -- (replacing those of an earlier merge). A merge through jsonb would reorder every object's keys.
  SELECT json_object_agg(m.key, m.value ORDER BY m.n)
  FROM (
    SELECT e.key, e.value, e.n
    FROM json_each(j.payload) WITH ORDINALITY AS e(key, value, n)
    WHERE e.key NOT IN ('batchId', 'completed', 'failed', 'canceled')
    UNION ALL
    SELECT s.key, s.value, 1e9 + s.n
    FROM json_each(json_build_object('batchId', b.id::text, 'completed', b.completed, 'failed', b.failed, 'canceled', b.canceled))
      WITH ORDINALITY AS s(key, value, n)
  ) AS m
)
