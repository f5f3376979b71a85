-- @key @starts (JSON). Stores a rate limit's log after a claim, in the claim's transaction.
UPDATE errand_limit_windows SET starts = @starts WHERE key = @key;
