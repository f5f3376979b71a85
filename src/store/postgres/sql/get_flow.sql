-- $1 id
SELECT id, created_at, deleted_failed, deleted_canceled FROM {{schema}}.flows WHERE id = $1;
