-- $1 queue. Resuming a queue that is not paused changes nothing.
DELETE FROM {{schema}}.paused_queues WHERE queue = $1;
