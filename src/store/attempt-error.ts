import type { AttemptErrorInput } from "./store.js";

/**
 * An attempt's error as both stores keep it: U+0000, which PostgreSQL's text cannot hold (the
 * failure would not be recorded at all), becomes U+FFFD. Error messages can carry one, say
 * from parsing binary input; the rest of the text is kept as it was.
 */
export function storableAttemptError(error: AttemptErrorInput): AttemptErrorInput {
  const clean = (text: string | null) => (text !== null && text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text);
  return { message: clean(error.message)!, code: clean(error.code), stack: clean(error.stack) };
}
