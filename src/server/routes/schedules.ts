import { ScheduleNotFoundError } from "../../core/errors.js";
import type { RouteContext } from "../context.js";
import { HttpError } from "../http-error.js";
import { refuseReservedNames } from "../reserved-names.js";
import { scheduleBodySchema, scheduleListSchema, scheduleParamsSchema, scheduleSchema } from "../schedule-schemas.js";
import { scheduleOptionsFromBody, scheduleToJson, type ScheduleBody } from "../schedule-wire-format.js";
import { errorSchema } from "../schemas.js";

const error = (description: string) => ({ description, schema: errorSchema });

/** Cron schedules: reading needs jobs:read; defining, pausing and removing them, like queue control, admin. */
export function addScheduleRoutes(ctx: RouteContext): void {
  const { errand, routes } = ctx;

  routes.add({
    method: "GET",
    url: "/v1/schedules",
    summary: "Every cron schedule, by name",
    tag: "schedules",
    scope: "jobs:read",
    responses: { 200: { description: "schedules", schema: scheduleListSchema } },
    handler: async () => ({ schedules: (await errand.listSchedules()).map(scheduleToJson) }),
  });

  routes.add<unknown, unknown, { name: string }>({
    method: "GET",
    url: "/v1/schedules/:name",
    summary: "Get one cron schedule",
    tag: "schedules",
    scope: "jobs:read",
    params: scheduleParamsSchema,
    responses: { 200: { description: "the schedule", schema: scheduleSchema }, 404: error("no such schedule") },
    handler: async (request) => {
      const schedule = await errand.getSchedule(request.params.name);
      if (schedule === null) throw new ScheduleNotFoundError(request.params.name);
      return scheduleToJson(schedule);
    },
  });

  routes.add<ScheduleBody, unknown, { name: string }>({
    method: "PUT",
    url: "/v1/schedules/:name",
    summary: "Create or redefine a cron schedule; every tick enqueues one job. An unchanged cron and time zone keep the next tick",
    tag: "schedules",
    scope: "admin",
    params: scheduleParamsSchema,
    body: scheduleBodySchema,
    responses: {
      200: { description: "the schedule as saved", schema: scheduleSchema },
      400: error("invalid body (field names it, e.g. cron or misfire.policy); nothing was saved"),
      422: error("unknown job type"),
    },
    handler: async (request) => {
      const { cron, type, payload } = request.body;
      refuseReservedNames(request.body, (name) => name);
      if (!errand.definesType(type))
        throw new HttpError(422, "unknown_type", `job type "${type}" is not defined on this server`, "type");
      const options = scheduleOptionsFromBody(request.body);
      return scheduleToJson(await errand.schedule(request.params.name, cron, { ...options, type, payload }));
    },
  });

  routes.add<unknown, unknown, { name: string }>({
    method: "DELETE",
    url: "/v1/schedules/:name",
    summary: "Remove a cron schedule; jobs it already enqueued stay",
    tag: "schedules",
    scope: "admin",
    params: scheduleParamsSchema,
    responses: { 204: { description: "removed" }, 404: error("no such schedule") },
    handler: async (request, reply) => {
      await errand.removeSchedule(request.params.name);
      return reply.status(204).send();
    },
  });

  for (const action of ["pause", "resume"] as const) {
    routes.add<unknown, unknown, { name: string }>({
      method: "POST",
      url: `/v1/schedules/:name/${action}`,
      summary:
        action === "pause"
          ? "Pause a cron schedule: it enqueues nothing until resumed"
          : "Resume a cron schedule from its next tick after now (ticks that passed while paused are not run)",
      tag: "schedules",
      scope: "admin",
      params: scheduleParamsSchema,
      responses: { 200: { description: "the schedule now", schema: scheduleSchema }, 404: error("no such schedule") },
      handler: async (request) => {
        const { name } = request.params;
        return scheduleToJson(await (action === "pause" ? errand.pauseSchedule(name) : errand.resumeSchedule(name)));
      },
    });
  }
}
