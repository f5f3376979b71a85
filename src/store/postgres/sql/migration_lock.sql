-- $1 lock key text. Held until the migrating transaction ends, so two processes migrating the
-- same schema at once run one after the other (the second finds nothing left to do).
SELECT pg_advisory_xact_lock(hashtextextended($1, 0));
