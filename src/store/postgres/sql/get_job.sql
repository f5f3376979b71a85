-- $1 id
SELECT *, {{schema}}.visible_state(state, run_at) AS visible_state FROM {{schema}}.jobs WHERE id = $1;
