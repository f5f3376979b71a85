import type { Server } from "node:net";
import { isIP } from "node:net";

/** The http:// URL a listening server answers at: the port it got (0 asks for any free one), an IPv6 host in brackets. */
export function listenUrl(server: Server, host: string): string {
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("the server is not listening on a TCP port");
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${address.port}`;
}

/**
 * `url` as a browser can open it: a server listening on every interface (0.0.0.0, ::) answers
 * at an address that names none of them, so it is shown as localhost.
 */
export function browsableUrl(url: string): string {
  return url.replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, "http://localhost");
}
