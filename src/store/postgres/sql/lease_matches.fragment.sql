-- Job j's attempt and worker are those of its entry in $1 id[] $2 attempt[] $3 worker_id[]
-- (its lease). $1 is ascending, no id twice, so width_bucket(j.id, $1), a binary search, is
-- the position of j's entry in the arrays.
j.attempt = ($2::int[])[width_bucket(j.id, $1::bigint[])]
  AND j.worker_id = ($3::text[])[width_bucket(j.id, $1::bigint[])]
