-- Rate limits and concurrency caps shared by every process, and per-key job groups.

-- One row per declared limit (`type:<name>` or `queue:<name>`), created by the first claim that
-- enforces it. `starts` is the rate limit's log: JSON [[ms, count], ...] of the claims made in
-- the last interval, at most one entry per claim, pruned by each claim that adds one.
CREATE TABLE errand_limit_windows (
  key    TEXT PRIMARY KEY,
  starts TEXT NOT NULL DEFAULT '[]'
);

-- Grouped jobs leave the claim index that ungrouped claims walk: a group's backlog held back
-- by its FIFO rule must never be walked past by every claim of its queue. The index is rebuilt
-- under the same name for ungrouped jobs only (claims say `group_key IS NULL` to use it).
DROP INDEX errand_jobs_waiting;
CREATE INDEX errand_jobs_waiting ON errand_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL;
-- Grouped jobs in claim order, for finding the ones whose turn it is.
CREATE INDEX errand_jobs_waiting_grouped ON errand_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL;
-- A group's members not yet started, in enqueue order: "how many are ahead of this one".
CREATE INDEX errand_jobs_group_queue ON errand_jobs (group_key, id)
  WHERE group_key IS NOT NULL AND state IN ('pending','scheduled','retrying','blocked');
-- A group's running members: "how many slots are taken".
CREATE INDEX errand_jobs_group_running ON errand_jobs (group_key)
  WHERE group_key IS NOT NULL AND state = 'running';
