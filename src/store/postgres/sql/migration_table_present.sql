-- Whether the schema has its migrations table: checking a schema must not create it.
SELECT to_regclass('{{schema}}.migrations') IS NOT NULL AS present;
