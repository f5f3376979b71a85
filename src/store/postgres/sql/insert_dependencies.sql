-- $1 parent_id[] $2 child_id[] $3 position[]
INSERT INTO {{schema}}.job_dependencies (parent_id, child_id, position)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[]);
