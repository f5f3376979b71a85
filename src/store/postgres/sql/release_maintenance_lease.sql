-- $1 name $2 holder. Only the holder's own lease is released; one already taken over is left alone.
DELETE FROM {{schema}}.maintenance_leases WHERE name = $1 AND holder = $2;
