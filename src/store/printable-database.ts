/**
 * A connection string fit to print, log or put in an error message: its password masked, in
 * the user part (`postgres://app:***@db/app`) or as `?password=`. Read as text, not parsed as a
 * URL, so a string that does not parse, or has a scheme Errand does not take, is masked too.
 */
export function printableDatabase(url: string): string {
  const split = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  if (split === null) return url; // sqlite:./errand.db and the like hold no credentials
  const [, scheme, rest] = split as unknown as [string, string, string];
  // The user part ends at the string's last "@": an unescaped "/", "?", "#" or "@" in a password
  // (the usual reason such a URL does not parse) must not end it early and leave the rest shown.
  // Where an "@" comes later (in a query), more is masked than need be, never less.
  const at = rest.lastIndexOf("@");
  const colon = rest.indexOf(":");
  const slash = rest.indexOf("/");
  const hasPassword = at >= 0 && colon >= 0 && colon < at && (slash < 0 || colon < slash);
  const masked = hasPassword ? `${rest.slice(0, colon)}:***${rest.slice(at)}` : rest;
  const queryAt = masked.search(/[?#]/);
  if (queryAt < 0) return scheme + masked;
  return scheme + masked.slice(0, queryAt) + masked.slice(queryAt).replace(/([?&]password=)[^&#]*/gi, "$1***");
}
