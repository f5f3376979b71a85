/** Schedules between the library's camelCase and the API's snake_case (see wire-format.ts). */
import { backoffFromBody, backoffToJson, type BackoffJson } from "./wire-format.js";
import type { MisfirePolicy, MisfirePolicyName, Schedule, ScheduleOptions } from "../core/schedule.js";

/** The body of `PUT /v1/schedules/:name`, as its schema admits it. */
export interface ScheduleBody {
  cron: string;
  type: string;
  timezone?: string;
  payload?: unknown;
  queue?: string;
  priority?: number;
  max_attempts?: number;
  timeout_ms?: number | null;
  backoff?: Partial<BackoffJson>;
  misfire?: { policy?: MisfirePolicyName; backfill_limit?: number; grace_ms?: number };
}

export function scheduleToJson(schedule: Schedule) {
  const { jobOptions, misfire } = schedule;
  return {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    type: schedule.type,
    payload: schedule.payload,
    queue: jobOptions.queue,
    priority: jobOptions.priority,
    max_attempts: jobOptions.maxAttempts,
    timeout_ms: jobOptions.timeoutMs,
    backoff: backoffToJson(jobOptions.backoff),
    misfire: { policy: misfire.policy, backfill_limit: misfire.backfillLimit, grace_ms: misfire.graceMs },
    paused: schedule.paused,
    next_tick_at: schedule.nextTickAt.toISOString(),
    last_tick_at: schedule.lastTickAt?.toISOString() ?? null,
    created_at: schedule.createdAt.toISOString(),
    updated_at: schedule.updatedAt.toISOString(),
  };
}

/** Library options from a schedule body; the schema has already checked every type. */
export function scheduleOptionsFromBody(body: ScheduleBody): ScheduleOptions {
  const options: ScheduleOptions = {};
  if (body.timezone !== undefined) options.timezone = body.timezone;
  if (body.queue !== undefined) options.queue = body.queue;
  if (body.priority !== undefined) options.priority = body.priority;
  if (body.max_attempts !== undefined) options.maxAttempts = body.max_attempts;
  if (body.timeout_ms !== undefined) options.timeoutMs = body.timeout_ms;
  if (body.backoff !== undefined) options.backoff = backoffFromBody(body.backoff);
  if (body.misfire !== undefined) {
    const misfire: Partial<MisfirePolicy> = {};
    if (body.misfire.policy !== undefined) misfire.policy = body.misfire.policy;
    if (body.misfire.backfill_limit !== undefined) misfire.backfillLimit = body.misfire.backfill_limit;
    if (body.misfire.grace_ms !== undefined) misfire.graceMs = body.misfire.grace_ms;
    options.misfire = misfire;
  }
  return options;
}
