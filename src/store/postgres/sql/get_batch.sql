-- $1 id
SELECT * FROM {{schema}}.batches WHERE id = $1;
