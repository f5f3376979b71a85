-- $1 id of a job about to be replayed. Holds its flow parents (FOR SHARE, in id order) until
-- the replay commits. Every ending of a parent changes the parent's row before it applies the
-- ending to the children (release_children.sql, a later statement): so a parent ending either
-- committed before this lock, and the replay sees its edge resolved, or waits for the replay
-- to commit, and its release_children then reads the child as the replay left it (blocked
-- again: released). Without it, an ending whose release_children began before the replay
-- committed would read the child as canceled, and leave it blocked forever.
SELECT p.id FROM {{schema}}.jobs AS p
WHERE p.id IN (SELECT d.parent_id FROM {{schema}}.job_dependencies AS d WHERE d.child_id = $1)
ORDER BY p.id
FOR SHARE OF p;
