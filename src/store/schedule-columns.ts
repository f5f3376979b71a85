import type { MisfirePolicyName, Schedule } from "../core/schedule.js";

/** The schedule columns both stores return as they are; each converts the rest its own way. */
export interface ScheduleTextColumns {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  misfire_policy: MisfirePolicyName;
  backfill_limit: number;
  misfire_grace_ms: number;
}

export function scheduleFromColumns(
  row: ScheduleTextColumns,
  converted: Pick<Schedule, "payload" | "jobOptions" | "paused" | "nextTickAt" | "lastTickAt" | "createdAt" | "updatedAt">,
): Schedule {
  return {
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    type: row.type,
    misfire: { policy: row.misfire_policy, backfillLimit: row.backfill_limit, graceMs: row.misfire_grace_ms },
    ...converted,
  };
}
