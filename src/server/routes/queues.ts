import type { RouteContext } from "../context.js";
import { queueListSchema, queueParamsSchema, queueStateSchema } from "../schemas.js";
import { queueToJson } from "../wire-format.js";

export function addQueueRoutes(ctx: RouteContext): void {
  ctx.routes.add({
    method: "GET",
    url: "/v1/queues",
    summary: "Every queue with its job counts per state and whether it is paused",
    tag: "queues",
    scope: "jobs:read",
    responses: { 200: { description: "queues", schema: queueListSchema } },
    handler: async () => ({ queues: (await ctx.queueCounts.read()).map(queueToJson) }),
  });

  for (const action of ["pause", "resume"] as const) {
    ctx.routes.add<unknown, unknown, { name: string }>({
      method: "POST",
      url: `/v1/queues/:name/${action}`,
      summary: action === "pause" ? "Pause a queue: no worker claims its jobs until resumed" : "Resume a paused queue",
      tag: "queues",
      scope: "admin",
      params: queueParamsSchema,
      responses: { 200: { description: "the queue's paused state now", schema: queueStateSchema } },
      handler: async (request) => {
        const queue = request.params.name;
        await (action === "pause" ? ctx.errand.pauseQueue(queue) : ctx.errand.resumeQueue(queue));
        ctx.queueCounts.forget();
        return { name: queue, paused: action === "pause" };
      },
    });
  }
}
