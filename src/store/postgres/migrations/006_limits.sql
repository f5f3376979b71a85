-- Rate limits and concurrency caps shared by every process, and per-key job groups.

-- One row per declared limit (`type:<name>` or `queue:<name>`), created by the first claim that
-- enforces it. Claims that enforce a limit lock its row (FOR UPDATE, in key order), so they
-- take turns on it across processes and machines. `starts` is the rate limit's log: JSON
-- [[epoch ms, count], ...] of the claims made in the last interval, at most one entry per
-- claim, pruned by each claim that adds one.
CREATE TABLE {{schema}}.limit_windows (
  key    text PRIMARY KEY,
  starts text NOT NULL DEFAULT '[]'
);

-- Grouped jobs leave the claim index that ungrouped claims walk: a group's backlog held back
-- by its FIFO rule must never be walked past by every claim of its queue. The index is rebuilt
-- under the same name for ungrouped jobs only (claims say `group_key IS NULL` to use it).
DROP INDEX {{schema}}.jobs_waiting;
CREATE INDEX jobs_waiting ON {{schema}}.jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NULL;
-- Grouped jobs in claim order, for finding the ones whose turn it is.
CREATE INDEX jobs_waiting_grouped ON {{schema}}.jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending','scheduled','retrying') AND group_key IS NOT NULL;
-- A group's members not yet started, in enqueue order: "how many are ahead of this one".
CREATE INDEX jobs_group_queue ON {{schema}}.jobs (group_key, id)
  WHERE group_key IS NOT NULL AND state IN ('pending','scheduled','retrying','blocked');
-- A group's running members: "how many slots are taken". Its predicate names group_key, so
-- (unlike a plain `state = 'running'` index, see 003) the completion and lease joins, which
-- do not, can never be planned through it.
CREATE INDEX jobs_group_running ON {{schema}}.jobs (group_key)
  WHERE group_key IS NOT NULL AND state = 'running';

-- The members of group $1 whose turn it is and that can start now (id, queue), reading at
-- most $2 members. The group's limit is the group_limit of its oldest member not started; its
-- turns are its first (limit - members running) members not started, in enqueue (id) order,
-- and of those, the ones neither blocked nor waiting for their run time can start. So with a
-- limit of 1 only the oldest member not started may run, and only once nothing of the group
-- runs: an older member waiting to retry (run_at later) or blocked holds the younger ones back.
-- Used by both grouped-claim statements; the cost follows the limit, not the group's backlog.
-- ROWS 2: the planner's estimate, so callers look the few ids up by key, never scan for them.
CREATE FUNCTION {{schema}}.group_turns(text, integer) RETURNS TABLE (id bigint, queue text)
LANGUAGE sql STABLE ROWS 2
AS $$
  SELECT t.id, t.queue FROM (
    SELECT j.id, j.queue, j.state, j.run_at FROM {{schema}}.jobs AS j
    WHERE j.group_key = $1 AND j.state IN ('pending','scheduled','retrying','blocked')
    ORDER BY j.id
    LIMIT LEAST($2, GREATEST(0,
      (SELECT f.group_limit FROM {{schema}}.jobs AS f
       WHERE f.group_key = $1 AND f.state IN ('pending','scheduled','retrying','blocked')
       ORDER BY f.id LIMIT 1)
      - (SELECT count(*) FROM {{schema}}.jobs AS r WHERE r.group_key = $1 AND r.state = 'running')))
  ) AS t
  WHERE t.state <> 'blocked' AND t.run_at <= now()
$$;
