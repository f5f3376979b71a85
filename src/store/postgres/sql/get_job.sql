-- $1 id
SELECT {{job_row}}
FROM {{schema}}.jobs AS j WHERE id = $1;
