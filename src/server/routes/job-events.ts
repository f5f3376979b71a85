import type { ServerResponse } from "node:http";
import { JobNotFoundError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { isTerminal } from "../../core/states.js";
import type { RouteContext } from "../context.js";
import { errorSchema, jobEventsSchema, jobIdParamsSchema } from "../schemas.js";
import { jobToJson } from "../wire-format.js";

const KEEPALIVE_MS = 15_000;
const STREAM_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

export function addJobEventRoutes(ctx: RouteContext): void {
  ctx.routes.add<unknown, unknown, { id: string }>({
    method: "GET",
    url: "/v1/jobs/:id/events",
    summary: "Server-Sent Events: the job's current state, then progress and state changes until it ends",
    tag: "jobs",
    scope: "jobs:read",
    params: jobIdParamsSchema,
    responses: {
      200: { description: "event stream", schema: jobEventsSchema, mediaType: "text/event-stream" },
      404: { description: "no such job", schema: errorSchema },
      503: { description: "the server has as many event streams open as it keeps (Retry-After says when to try again)", schema: errorSchema },
    },
    handler: async (request, reply) => {
      // A HEAD (a link checker, a proxy's probe) reads no events: it gets the stream's headers
      // at once, and takes none of the places kept for streams.
      if (request.method === "HEAD") {
        if ((await ctx.errand.getJob(request.params.id)) === null) throw new JobNotFoundError(request.params.id);
        return reply.headers(STREAM_HEADERS).send();
      }
      const release = ctx.eventStreamSlots.take();
      let first: Job | null;
      try {
        first = await ctx.errand.getJob(request.params.id);
        if (first === null) throw new JobNotFoundError(request.params.id);
      } catch (error) {
        release(); // no stream was opened
        throw error;
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...STREAM_HEADERS, connection: "keep-alive", "x-request-id": request.id });
      ctx.openStreams.add(res);
      await streamJob(ctx, res, first).finally(() => {
        release();
        ctx.openStreams.delete(res);
        if (!res.writableEnded) res.end();
      });
    },
  });
}

/**
 * Follows the job as the store has it, through the server's one JobWatcher: the job may run in
 * another process or on another machine, where this process's events never arrive, and one
 * shared read per tick keeps the store's load flat however many streams are open. Ends after a
 * terminal state, when the job is deleted (retention), when the client goes away, or when the
 * server closes (which ends the response).
 */
async function streamJob(ctx: RouteContext, res: ServerResponse, first: Job): Promise<void> {
  let eventId = 0;
  const send = (event: string, data: unknown) => res.write(`id: ${++eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send("state", jobToJson(first));
  if (isTerminal(first.state)) return;
  let last = first;
  let lastWrite = Date.now();
  await new Promise<void>((resolve, reject) => {
    const end = () => {
      unwatch();
      res.off("close", end);
      resolve();
    };
    const unwatch = ctx.jobWatcher.watch(first.id, {
      update: (job) => {
        if (res.writableEnded || res.destroyed || job === null) return end();
        if (job.progress !== last.progress && job.progress !== null) send("progress", { id: job.id, progress: job.progress });
        if (job.state !== last.state || job.attempt !== last.attempt) send("state", jobToJson(job));
        else if (Date.now() - lastWrite > KEEPALIVE_MS) res.write(": keep-alive\n\n");
        else {
          last = job;
          return;
        }
        lastWrite = Date.now();
        last = job;
        if (isTerminal(job.state)) end();
      },
      failed: (error) => {
        res.off("close", end);
        reject(error);
      },
    });
    res.on("close", end); // the client went away, or the response ended: stop watching at once
  });
}
