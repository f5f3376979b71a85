-- $1 idempotency_key[]
SELECT *, {{schema}}.visible_state(state, run_at) AS visible_state
FROM {{schema}}.jobs WHERE idempotency_key = ANY($1::text[]);
