-- @queue @type (NULL: every type of the queue). Jobs of a limit running now (claimed counts).
-- The lease index holds exactly the running jobs, so this reads those and no finished ones.
SELECT count(*) AS running FROM errand_jobs
WHERE state = 'running' AND queue = @queue AND (@type IS NULL OR type = @type);
