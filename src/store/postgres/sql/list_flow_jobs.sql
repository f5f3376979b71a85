-- $1 flow id
SELECT {{job_row}}
FROM {{schema}}.jobs AS j WHERE flow_id = $1 ORDER BY id;
