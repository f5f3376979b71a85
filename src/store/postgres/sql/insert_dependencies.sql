-- $1 parent_id[] $2 child_id[]
INSERT INTO {{schema}}.job_dependencies (parent_id, child_id)
SELECT * FROM unnest($1::bigint[], $2::bigint[]);
