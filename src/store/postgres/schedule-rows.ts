import type { JobDefaults } from "../../core/enqueue-options.js";
import type { NewSchedule, Schedule } from "../../core/schedule.js";
import { scheduleFromColumns, type ScheduleTextColumns } from "../schedule-columns.js";

/** A row of schedules as pg returns it: timestamptz as Date, json and jsonb already parsed. */
export interface ScheduleRow extends ScheduleTextColumns {
  payload: unknown;
  job_options: JobDefaults;
  paused: boolean;
  next_tick_at: Date;
  last_tick_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function scheduleFromRow(row: ScheduleRow): Schedule {
  return scheduleFromColumns(row, {
    payload: row.payload,
    jobOptions: row.job_options,
    paused: row.paused,
    nextTickAt: row.next_tick_at,
    lastTickAt: row.last_tick_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** save_schedule.sql's parameters, $1 to $10. */
export function scheduleParams(schedule: NewSchedule): unknown[] {
  return [
    schedule.name,
    schedule.cron,
    schedule.timezone,
    schedule.type,
    schedule.payload,
    JSON.stringify(schedule.jobOptions),
    schedule.misfire.policy,
    schedule.misfire.backfillLimit,
    schedule.misfire.graceMs,
    schedule.nextTickAt,
  ];
}
