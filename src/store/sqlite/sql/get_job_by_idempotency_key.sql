SELECT * FROM errand_jobs WHERE idempotency_key = @idempotency_key;
