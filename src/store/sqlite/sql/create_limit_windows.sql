-- @keys JSON array. Creates the windows of limits no claim has enforced yet; the others stay.
INSERT INTO errand_limit_windows (key) SELECT value FROM json_each(@keys) WHERE true
ON CONFLICT (key) DO NOTHING;
