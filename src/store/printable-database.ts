/**
 * A connection string fit to print, log or put in an error message: its password masked, in
 * the user part (`postgres://app:***@db/app`) or as `?password=`. Read as text, not parsed as a
 * URL, so a string that does not parse, or has a scheme Errand does not take, is masked too.
 */
export function printableDatabase(url: string): string {
  const split = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  if (split === null) return url; // sqlite:./errand.db and the like hold no credentials
  const [, scheme, rest] = split as unknown as [string, string, string];
  const queryAt = rest.search(/[?#]/);
  const [beforeQuery, query] = queryAt < 0 ? [rest, ""] : [rest.slice(0, queryAt), rest.slice(queryAt)];
  // The last "@" before the query ends the user part, as a password may hold an unescaped "/".
  const at = beforeQuery.lastIndexOf("@");
  const colon = beforeQuery.indexOf(":");
  const authority = at >= 0 && colon >= 0 && colon < at ? `${beforeQuery.slice(0, colon)}:***${beforeQuery.slice(at)}` : beforeQuery;
  return scheme + authority + query.replace(/([?&]password=)[^&#]*/gi, "$1***");
}
