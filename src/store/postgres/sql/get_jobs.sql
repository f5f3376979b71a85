-- $1 id[], distinct, at most IDS_PER_STATEMENT (id-chunks.ts). Ids with no job are left out.
SELECT {{job_row}}
FROM {{schema}}.jobs AS j WHERE id = ANY($1::bigint[])
ORDER BY id;
