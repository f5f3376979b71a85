-- One statement inserts a whole batch, so it is atomic without BEGIN/COMMIT round trips.
-- $1 type[] $2 queue[] $3 payload[] (JSON text) $4 priority[] $5 run_at_ms[] (NULL: now + delay)
-- $6 delay_ms[] $7 max_attempts[] $8 timeout_ms[] $9 backoff[] (JSON text) $10 idempotency_key[]
-- $11 the NOTIFY channel $12 correlation_id[] $13 webhook_url[]. A job with a webhook_url owes
-- its webhook from the start (webhook_pending), announced once it ends. $14 group_key[]
-- $15 group_limit[] $16 flow_id[] $17 flow_node[] $18 parents_waiting[] $19 on_parent_failure[]
-- $20 batch_id[]: a job with parents waiting is stored 'blocked' (no claim takes it).
-- Ids are drawn from the sequence before inserting, so each returned row is matched to its
-- input by id (RETURNING order is not guaranteed). An input whose idempotency key already
-- exists is not inserted; its row comes back NULL and the caller fetches the existing job.
-- Only what the server decided is returned (the caller has the rest): reading whole rows back
-- cost more than the insert itself.
WITH input AS MATERIALIZED (
  SELECT nextval('{{schema}}.jobs_id_seq') AS id, t.*,
         COALESCE(to_timestamp(t.run_at_ms / 1000.0), now() + t.delay_ms * interval '1 millisecond') AS due
  FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::float8[], $7::int[], $8::int[],
              $9::text[], $10::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::bigint[],
              $17::text[], $18::int[], $19::text[], $20::bigint[])
       WITH ORDINALITY AS t(type, queue, payload, priority, run_at_ms, delay_ms, max_attempts, timeout_ms,
                            backoff, idempotency_key, correlation_id, webhook_url, group_key, group_limit,
                            flow_id, flow_node, parents_waiting, on_parent_failure, batch_id, n)
),
inserted AS (
  INSERT INTO {{schema}}.jobs
    (id, type, queue, state, payload, priority, max_attempts, timeout_ms, backoff, idempotency_key, run_at,
     correlation_id, webhook_url, webhook_pending, group_key, group_limit, flow_id, flow_node, parents_waiting,
     on_parent_failure, batch_id)
  OVERRIDING SYSTEM VALUE
  SELECT id, type, queue,
         CASE WHEN parents_waiting > 0 THEN 'blocked' WHEN due > now() THEN 'scheduled' ELSE 'pending' END,
         payload::json, priority, max_attempts, timeout_ms, backoff::jsonb, idempotency_key, due,
         correlation_id, webhook_url, webhook_url IS NOT NULL, group_key, group_limit, flow_id, flow_node,
         parents_waiting, on_parent_failure, batch_id
  FROM input
  ORDER BY n
  ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id, queue, state, created_at, run_at
),
notified AS (
  -- Wakes idle workers listening on this schema's channel; delivered only if this commits.
  SELECT count(pg_notify($11, queue)) AS n FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'pending') AS q
)
SELECT input.n::int AS input_n, inserted.id, inserted.state, inserted.created_at, inserted.run_at
FROM input
LEFT JOIN inserted ON inserted.id = input.id
CROSS JOIN notified
ORDER BY input.n;
