-- $1 key[] (sorted). Creates the windows of limits no claim has enforced yet; the others stay.
INSERT INTO {{schema}}.limit_windows (key)
SELECT k FROM unnest($1::text[]) AS k ORDER BY k
ON CONFLICT (key) DO NOTHING;
