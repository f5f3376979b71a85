-- $1 id[]. Locks these jobs in id order, the order each single statement that changes many
-- jobs locks them in (and a flow cancel): for a transaction that changes them in several.
SELECT id FROM {{schema}}.jobs WHERE id = ANY (ARRAY(SELECT unnest($1::bigint[]))) ORDER BY id FOR UPDATE;
