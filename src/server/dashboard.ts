import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export const DASHBOARD_PATH = "/dashboard/";

/**
 * The browser may load the dashboard's own files and talk to this server, nothing else: a
 * payload that somehow reached the page as markup could neither run script nor send data away.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // A new build takes effect at the next load; the ETag keeps that to a 304 when nothing changed.
  "cache-control": "no-cache",
};

/**
 * Where the built dashboard is: `dist/dashboard/`, next to `dist/server/` when this module runs
 * from the build, or the build's output when it runs from the source tree (tests). Null when
 * it was never built.
 */
export function dashboardAssetsDir(): string | null {
  for (const candidate of ["../dashboard/", "../../dist/dashboard/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return null;
}

/**
 * Serves the web dashboard's static files under /dashboard/ (open: they hold no data; the page
 * reads everything through /v1 with the viewer's token) and sends / there.
 */
export function addDashboard(app: FastifyInstance, assetsDir: string | null): void {
  for (const path of ["/", DASHBOARD_PATH.slice(0, -1)]) app.get(path, (_request, reply) => reply.redirect(DASHBOARD_PATH, 302));
  if (assetsDir === null) return; // /dashboard/ answers the API's 404
  void app.register(fastifyStatic, {
    root: assetsDir,
    prefix: DASHBOARD_PATH,
    cacheControl: false,
    setHeaders: (reply) => void reply.headers(SECURITY_HEADERS),
  });
}
