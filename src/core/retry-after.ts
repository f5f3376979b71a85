import { ValidationError } from "./errors.js";
import { knownOptions } from "./option-keys.js";

const MAX_RETRY_AFTER_MS = 86_400_000;
const OPTION_KEYS: ReadonlySet<string> = new Set(["fallbackMs", "now"]);

// The three forms of an HTTP-date (RFC 9110, 5.6.7): IMF-fixdate, which senders must use, and the
// obsolete RFC 850 and asctime forms, which recipients must accept. Anything else Date.parse
// happens to read ("-5" as the year -5, "1.5" as 2001-01-05) is unreadable, not a past date.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** The instant an HTTP-date names, or NaN for anything else. */
function parseHttpDate(value: string): number {
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value)) return Date.parse(value);
  // asctime carries no zone, and means GMT; Date.parse would read it as local time.
  if (ASCTIME_DATE.test(value)) return Date.parse(`${value} GMT`);
  return Number.NaN;
}

/**
 * An HTTP Retry-After header value (delay-seconds or an HTTP-date) as milliseconds from `now`,
 * for `new RateLimitedError({ retryAfterMs })`. A missing or unreadable value gives `fallbackMs`;
 * a date in the past gives 0. Capped at one day, so a hostile header cannot park a job for years.
 */
export function retryAfterMs(
  header: string | null | undefined,
  options: { fallbackMs?: number; now?: number } = {},
): number {
  const given = knownOptions(options, OPTION_KEYS);
  const fallback = given.fallbackMs ?? 1_000;
  if (!Number.isInteger(fallback) || fallback < 0 || fallback > MAX_RETRY_AFTER_MS)
    throw new ValidationError("fallbackMs", `must be an integer from 0 to ${MAX_RETRY_AFTER_MS} (one day)`);
  if (given.now !== undefined && !Number.isFinite(given.now)) throw new ValidationError("now", "must be a finite number (ms since the epoch)");
  if (header !== null && header !== undefined && typeof header !== "string")
    throw new ValidationError("header", "must be the header's text (a string), null or undefined");
  const value = header?.trim();
  if (!value) return fallback;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1_000;
  else {
    const at = parseHttpDate(value);
    if (Number.isNaN(at)) return fallback;
    ms = at - (given.now ?? Date.now());
  }
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_RETRY_AFTER_MS);
}
