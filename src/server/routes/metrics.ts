import type { ErrandMetrics } from "../../metrics/errand-metrics.js";
import type { RouteContext } from "../context.js";

/** GET /metrics: Prometheus text format, for a scraper holding a `jobs:read` token when tokens are configured. */
export function addMetricsRoute(ctx: RouteContext, metrics: ErrandMetrics): void {
  ctx.routes.add({
    method: "GET",
    url: "/metrics",
    summary: "Prometheus metrics: job counters and durations of this process, job counts per queue and state from the store",
    tag: "meta",
    scope: "jobs:read",
    polled: true,
    responses: {
      200: {
        description: "Prometheus text exposition format; errand_store_up 0 when the store did not answer in time",
        schema: { type: "string" },
        mediaType: "text/plain",
      },
    },
    handler: async (_request, reply) => {
      const text = await metrics.metrics();
      return reply.header("content-type", metrics.contentType).send(text);
    },
  });
}
