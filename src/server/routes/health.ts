import type { RouteContext } from "../context.js";
import { errorSchema, statusSchema } from "../schemas.js";
import { HttpError } from "../http-error.js";
import { StoreProbe } from "../../metrics/store-probe.js";

/**
 * How long /readyz waits for the store: a probe that hangs as long as the store does (a network
 * partition) would never see "not ready", only a slow "ready" once it healed.
 */
const READY_TIMEOUT_MS = 2_000;

export function addHealthRoutes(ctx: RouteContext): void {
  let failure: unknown = null;
  const probe = new StoreProbe({
    // A real round trip to the database: reading a job by id touches it on every backend.
    read: async () => (await ctx.errand.store.getJob({ id: "1" }), true),
    what: "the readiness check",
    timeoutMs: READY_TIMEOUT_MS,
    onFailure: (error) => (failure = error),
  });
  ctx.routes.add({
    method: "GET",
    url: "/healthz",
    summary: "The process is up",
    tag: "health",
    scope: null,
    polled: true,
    responses: { 200: { description: "up", schema: statusSchema } },
    handler: async () => ({ status: "ok" }),
  });
  ctx.routes.add({
    method: "GET",
    url: "/readyz",
    summary: "The store answers queries",
    tag: "health",
    scope: null,
    polled: true,
    responses: {
      200: { description: "ready", schema: statusSchema },
      503: { description: "the store is unreachable", schema: errorSchema },
    },
    handler: async (request) => {
      if ((await probe.read()) === null) {
        // The route needs no token: the cause (it names the database's host and port) goes to
        // the server's log, not to whoever asks.
        request.log.warn({ err: failure }, "readiness check failed");
        throw new HttpError(503, "store_unavailable", `the store is not reachable, or did not answer within ${READY_TIMEOUT_MS} ms (the server's log says why)`);
      }
      return { status: "ready" };
    },
  });
}
