-- Every recorded migration, oldest first: the last is the schema's version, and the names tell
-- Errand's table from another application's of the same name. applied_at is read only to be
-- sure the table has Errand's columns.
SELECT version, name FROM {{schema}}.migrations WHERE applied_at IS NOT NULL ORDER BY version;
