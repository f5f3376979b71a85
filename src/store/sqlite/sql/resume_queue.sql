DELETE FROM errand_paused_queues WHERE queue = @queue;
