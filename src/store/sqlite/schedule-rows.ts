import type { JobDefaults } from "../../core/enqueue-options.js";
import type { NewSchedule, Schedule } from "../../core/schedule.js";
import { scheduleFromColumns, type ScheduleTextColumns } from "../schedule-columns.js";

/** A row of errand_schedules as better-sqlite3 returns it. */
export interface ScheduleRow extends ScheduleTextColumns {
  payload: string;
  job_options: string;
  paused: number;
  next_tick_at: number;
  last_tick_at: number | null;
  created_at: number;
  updated_at: number;
}

export function scheduleFromRow(row: ScheduleRow): Schedule {
  return scheduleFromColumns(row, {
    payload: JSON.parse(row.payload),
    jobOptions: JSON.parse(row.job_options) as JobDefaults,
    paused: row.paused === 1,
    nextTickAt: new Date(row.next_tick_at),
    lastTickAt: row.last_tick_at === null ? null : new Date(row.last_tick_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });
}

/** save_schedule.sql's parameters. */
export function scheduleParams(schedule: NewSchedule, now: number) {
  return {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    type: schedule.type,
    payload: schedule.payload,
    job_options: JSON.stringify(schedule.jobOptions),
    misfire_policy: schedule.misfire.policy,
    backfill_limit: schedule.misfire.backfillLimit,
    misfire_grace_ms: schedule.misfire.graceMs,
    next_tick_at: schedule.nextTickAt.getTime(),
    now,
  };
}
