-- $1 type $2 queue $3 visible state $4 cursor (id) $5 limit; NULL filters match everything.
SELECT {{job_row}}
FROM {{schema}}.jobs AS j
WHERE ($1::text IS NULL OR type = $1)
  AND ($2::text IS NULL OR queue = $2)
  AND ($3::text IS NULL OR {{schema}}.visible_state(state, run_at) = $3)
  AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $5;
