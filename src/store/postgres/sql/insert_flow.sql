INSERT INTO {{schema}}.flows DEFAULT VALUES RETURNING id, created_at;
