-- $1 the schema's cancel channel $2 ids of running jobs just canceled, comma-separated (at most a
-- few hundred: a notice holds under 8000 bytes). Sent in the cancel's transaction, so delivered
-- only if it commits: the workers holding them stop them at once, not at their next heartbeat.
SELECT pg_notify($1, $2);
