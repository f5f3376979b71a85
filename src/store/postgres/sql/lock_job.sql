-- $1 id. Holds the row for the rest of the transaction, so the change that follows is judged
-- against the state read here.
SELECT *, {{schema}}.visible_state(state, run_at) AS visible_state FROM {{schema}}.jobs WHERE id = $1 FOR UPDATE;
