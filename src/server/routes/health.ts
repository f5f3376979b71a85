import type { RouteContext } from "../context.js";
import { errorSchema, statusSchema } from "../schemas.js";
import { HttpError } from "../http-error.js";

export function addHealthRoutes(ctx: RouteContext): void {
  ctx.routes.add({
    method: "GET",
    url: "/healthz",
    summary: "The process is up",
    tag: "health",
    scope: null,
    responses: { 200: { description: "up", schema: statusSchema } },
    handler: async () => ({ status: "ok" }),
  });
  ctx.routes.add({
    method: "GET",
    url: "/readyz",
    summary: "The store answers queries",
    tag: "health",
    scope: null,
    responses: {
      200: { description: "ready", schema: statusSchema },
      503: { description: "the store is unreachable", schema: errorSchema },
    },
    handler: async (request) => {
      try {
        // A real round trip to the database: reading a job by id touches it on every backend.
        await ctx.errand.store.getJob({ id: "1" });
      } catch (error) {
        // The route needs no token: the cause (it names the database's host and port) goes to
        // the server's log, not to whoever asks.
        request.log.warn({ err: error }, "readiness check failed");
        throw new HttpError(503, "store_unavailable", "the store is not reachable (the server's log says why)");
      }
      return { status: "ready" };
    },
  });
}
