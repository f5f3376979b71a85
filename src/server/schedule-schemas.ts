/** JSON Schemas of /v1/schedules, in the style of schemas.ts (which they build on). */
import { CRON_FORM } from "../core/cron.js";
import { MISFIRE_POLICIES } from "../core/schedule.js";
import { backoffSchema, dateTime, enqueueItemSchema, name, nullable } from "./schemas.js";

const jobOptions = enqueueItemSchema.properties;

export const scheduleParamsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: { name: name("schedule name") },
} as const;

export const scheduleBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["cron", "type"],
  properties: {
    cron: {
      type: "string",
      minLength: 1,
      maxLength: 256,
      description: CRON_FORM,
    },
    timezone: { type: "string", minLength: 1, maxLength: 64, description: 'IANA time zone the expression is read in; default "UTC"' },
    type: name("job type each tick enqueues; must be defined by the server's handlers or declared with --types"),
    payload: { description: "every tick's job gets this JSON value (default {})" },
    queue: jobOptions.queue,
    priority: jobOptions.priority,
    max_attempts: jobOptions.max_attempts,
    timeout_ms: jobOptions.timeout_ms,
    backoff: jobOptions.backoff,
    misfire: {
      type: "object",
      additionalProperties: false,
      description: "ticks missed while no scheduler ran (older than grace_ms): latest (default) enqueues one catch-up run for the most recent, skip none, backfill the most recent backfill_limit",
      properties: {
        policy: { type: "string", enum: [...MISFIRE_POLICIES] },
        backfill_limit: { type: "integer", minimum: 1, maximum: 1000, description: "default 10" },
        grace_ms: { type: "integer", minimum: 1000, maximum: 3_600_000, description: "a tick at most this late is on time and always enqueued; default 60000" },
      },
    },
  },
} as const;

export const scheduleSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    cron: { type: "string" },
    timezone: { type: "string" },
    type: { type: "string" },
    payload: {},
    queue: { type: "string" },
    priority: { type: "integer" },
    max_attempts: { type: "integer" },
    timeout_ms: nullable({ type: "integer" }),
    backoff: backoffSchema,
    misfire: {
      type: "object",
      properties: {
        policy: { type: "string", enum: [...MISFIRE_POLICIES] },
        backfill_limit: { type: "integer" },
        grace_ms: { type: "integer" },
      },
    },
    paused: { type: "boolean" },
    next_tick_at: { ...dateTime, description: "the next tick to enqueue" },
    last_tick_at: { ...nullable(dateTime), description: "the newest tick enqueued so far" },
    created_at: dateTime,
    updated_at: dateTime,
  },
} as const;

export const scheduleListSchema = {
  type: "object",
  properties: { schedules: { type: "array", items: scheduleSchema } },
} as const;
