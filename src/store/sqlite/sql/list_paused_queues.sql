SELECT queue FROM errand_paused_queues ORDER BY queue;
