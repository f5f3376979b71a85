-- $1 idempotency_key[]
SELECT {{job_row}}
FROM {{schema}}.jobs AS j WHERE idempotency_key = ANY($1::text[]);
