/**
 * The longest delay a job may be given, by `delayMs`, backoff, a snooze or a rate limit's retry:
 * 100 years. Past it, a run time stops being a date every store and JavaScript can hold
 * (PostgreSQL's interval overflows near 1e20 ms; a Date ends at 8.64e15 ms), and storing the
 * outcome would fail, leaving the job to its lease's expiry.
 */
export const MAX_DELAY_MS = 100 * 365 * 86_400_000;
