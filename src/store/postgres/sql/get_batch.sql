-- $1 id
SELECT {{batch_row}}
FROM {{schema}}.batches AS b WHERE id = $1;
