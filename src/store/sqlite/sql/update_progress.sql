UPDATE errand_jobs SET progress = @progress
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @worker_id;
