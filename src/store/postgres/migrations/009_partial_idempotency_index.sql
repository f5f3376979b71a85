-- Most jobs have no idempotency key, yet a UNIQUE constraint indexes their NULLs too: one more
-- index entry for every row version a job leaves (insert, claim, completion), and more for
-- vacuum to clean. Only keys are indexed now. ON CONFLICT names this index by its predicate.
ALTER TABLE {{schema}}.jobs DROP CONSTRAINT jobs_idempotency_key_key;
CREATE UNIQUE INDEX jobs_idempotency_key ON {{schema}}.jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
