-- @deltas: JSON array of [queue, state, n], one per queue and ended state a transaction changed
-- (ended-tally.ts): n jobs entered that state, or left it when negative.
INSERT INTO errand_ended_tallies (queue, state, n)
SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]' FROM json_each(@deltas) WHERE true
ON CONFLICT (queue, state) DO UPDATE SET n = n + excluded.n;
