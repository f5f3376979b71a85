-- $1 id. Holds the row for the rest of the transaction, so the change that follows is judged
-- against the state read here.
SELECT {{job_row}}
FROM {{schema}}.jobs AS j WHERE id = $1 FOR UPDATE;
