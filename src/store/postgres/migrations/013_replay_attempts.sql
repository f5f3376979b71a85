-- The tries a replay gives a job: its maxAttempts as enqueued. A replay used to raise
-- max_attempts by max_attempts itself, which an earlier replay had already raised, so every
-- replay doubled the runs of the next (2, 4, 8 … for maxAttempts 2). NULL until a job's first
-- replay (retry_job.sql), which sets it from max_attempts, still the enqueued value then; a job
-- replayed before this migration counts from its max_attempts as it stood. Nullable with no
-- default, so adding it rewrites no row.
ALTER TABLE {{schema}}.jobs ADD COLUMN replay_attempts integer;
