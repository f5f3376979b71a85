-- One job: an enqueue that group commit found alone (the request path's usual case), and any
-- other insert of one job (inside a caller's transaction, a batch's onComplete job, a schedule's
-- fire). The same rows and result as insert_jobs.sql (see there) for a batch of one, from a
-- plain parameter per column: the batch statement's array unpacking and aggregates cost a
-- single enqueue 0.1–0.2 ms of its 0.8–1.2 ms (measured back to back, interleaved). The
-- payload stays json, as the column is: its text is kept as sent, key order included.
-- $1 payload (JSON text) $2 the NOTIFY channel $3 type $4 queue $5 priority $6 run_at (NULL:
-- now + delay) $7 delay_ms $8 max_attempts $9 timeout_ms $10 backoff $11 idempotency_key
-- $12 correlation_id $13 webhook_url $14 group_key $15 group_limit $16 flow_id $17 flow_node
-- $18 parents_waiting $19 on_parent_failure $20 batch_id.
WITH input AS MATERIALIZED (
  SELECT nextval('{{schema}}.jobs_id_seq') AS id, v.*,
         CASE WHEN v.parents_waiting > 0 THEN 'blocked' WHEN v.run_at > now() THEN 'scheduled' ELSE 'pending' END AS state
  FROM (
    SELECT $1::json AS payload, $3::text AS type, $4::text AS queue, $5::int AS priority,
           COALESCE($6::timestamptz, now() + $7::bigint * interval '1 millisecond') AS run_at,
           $8::int AS max_attempts, $9::int AS timeout_ms, $10::jsonb AS backoff, $11::text AS idempotency_key,
           $12::text AS correlation_id, $13::text AS webhook_url, $14::text AS group_key, $15::int AS group_limit,
           $16::bigint AS flow_id, $17::text AS flow_node, $18::int AS parents_waiting,
           $19::text AS on_parent_failure, $20::bigint AS batch_id
  ) AS v
),
-- Keyed and unkeyed apart, as in insert_jobs.sql: only a job with a key needs ON CONFLICT and
-- its speculative insertion; of the two inserts, the one whose WHERE fails writes nothing.
-- (2 000 awaited unkeyed enqueues: 472 → 424 bytes of WAL each.)
keyed AS (
  {{insert_from_input}}
  WHERE idempotency_key IS NOT NULL
  ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id
),
unkeyed AS (
  {{insert_from_input}}
  WHERE idempotency_key IS NULL
)
SELECT now() AS created_at, i.id::text AS first_id, NULL::text AS ids, left(i.state, 1) AS states,
       CASE WHEN i.idempotency_key IS NOT NULL AND NOT EXISTS (SELECT FROM keyed) THEN i.id::text END AS not_inserted,
       -- Wakes idle workers, as insert_jobs.sql does; delivered only if this commits.
       CASE WHEN i.state = 'pending' THEN pg_notify($2, i.queue) END AS notified
FROM input AS i;
