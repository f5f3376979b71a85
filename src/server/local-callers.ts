import type { FastifyRequest } from "fastify";
import { HttpError } from "./http-error.js";

/** Host header names that can only mean this machine: a page's own name for it never resolves here. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/** Methods a browser sends cross-site without asking first, or that change something. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Without API tokens the server answers whoever reaches its loopback address, and a browser
 * makes every web page its user opens such a caller. Two requests are refused (403) there:
 *
 * - one whose `Host` is not a loopback name: a page whose own domain was made to resolve to
 *   127.0.0.1 (DNS rebinding) would be same-origin with the API and read every job;
 * - a write sent by a page of another origin (`Origin`, or `Sec-Fetch-Site` when there is none
 *   to compare): a POST with no body needs no preflight, so any page could pause queues,
 *   replay the dead-letter set or cancel flows.
 *
 * Clients that are not browsers (curl, SDKs) send neither header and are unaffected; with tokens
 * configured none of this applies, as the token is in a header no other page can set.
 */
export function refuseForgedLocalRequest(request: FastifyRequest): void {
  const host = request.headers.host ?? "";
  if (!LOOPBACK_HOST.test(host))
    throw new HttpError(403, "forbidden_host", `Host ${JSON.stringify(host)} is not a loopback name: without API tokens this server answers only requests addressed to localhost, 127.0.0.1 or [::1]`, "host");
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  const fetchSite = request.headers["sec-fetch-site"];
  const crossOrigin = origin !== undefined ? !sameOrigin(origin, host) : fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none";
  if (crossOrigin)
    throw new HttpError(403, "cross_origin_write", `a write from the page at ${origin ?? `another site (Sec-Fetch-Site: ${String(fetchSite)})`} is refused: without API tokens only this server's own pages, and clients that are not browsers, may change anything`, "origin");
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false; // "null" (a sandboxed page, a file:// page) is no origin of ours
  }
}
