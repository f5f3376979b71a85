-- $1 flow id
SELECT *, {{schema}}.visible_state(state, run_at) AS visible_state FROM {{schema}}.jobs WHERE flow_id = $1 ORDER BY id;
