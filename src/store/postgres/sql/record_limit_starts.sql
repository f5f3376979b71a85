-- $1 key[] $2 starts[] (JSON text). Stores the windows' logs after a claim, under its locks.
UPDATE {{schema}}.limit_windows AS w
SET starts = u.starts
FROM unnest($1::text[], $2::text[]) AS u(key, starts)
WHERE w.key = u.key;
