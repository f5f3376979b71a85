/**
 * An HTTP Retry-After header value (delay-seconds or an HTTP-date) as milliseconds from `now`,
 * for `new RateLimitedError({ retryAfterMs })`. A missing or unreadable value gives `fallbackMs`;
 * a date in the past gives 0. Capped at one day, so a hostile header cannot park a job for years.
 */
export function retryAfterMs(
  header: string | null | undefined,
  options: { fallbackMs?: number; now?: number } = {},
): number {
  const fallback = options.fallbackMs ?? 1_000;
  const value = header?.trim();
  if (!value) return fallback;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1_000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return fallback;
    ms = at - (options.now ?? Date.now());
  }
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_RETRY_AFTER_MS);
}

const MAX_RETRY_AFTER_MS = 86_400_000;
