-- The rows of job j whose lease, given in $1 id[] $2 attempt[] $3 worker_id[], is still held:
-- running, at that attempt, by that worker.
-- Not a join with unnest() of the arrays: with statistics taken while nothing ran, the planner
-- expects about one running row and puts a scan of the whole table outside a nested loop over
-- the arrays, quadratic in the batch. The ids go in as ARRAY(SELECT …), whose length the planner
-- cannot see, so it always looks them up by primary key (postgres-plans.test.ts).
j.id = ANY (ARRAY(SELECT unnest($1::bigint[]))) AND j.state = 'running'
  AND {{lease_matches}}
