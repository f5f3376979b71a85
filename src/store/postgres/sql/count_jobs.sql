-- $1 queue[] or NULL for all queues
SELECT queue, {{schema}}.visible_state(state, run_at) AS visible_state, count(*)::int AS n
FROM {{schema}}.jobs
WHERE $1::text[] IS NULL OR queue = ANY($1::text[])
GROUP BY 1, 2;
