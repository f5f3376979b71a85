SELECT * FROM errand_batches WHERE id = @id;
