import type { Schedule } from "../core/schedule.js";
import { scheduleToJson } from "../server/schedule-wire-format.js";
import { printJson } from "./output.js";

/** Prints either JSON (for scripts, `--json`) or a short human line per schedule. */
export function printSchedules(schedules: Schedule[], json: boolean): void {
  if (json) {
    printJson({ schedules: schedules.map(scheduleToJson) });
    return;
  }
  if (schedules.length === 0) process.stdout.write("no schedules\n");
  for (const schedule of schedules) process.stdout.write(scheduleLine(schedule) + "\n");
}

export function printSchedule(schedule: Schedule, json: boolean): void {
  if (json) {
    printJson(scheduleToJson(schedule));
    return;
  }
  const { misfire } = schedule;
  const policy = misfire.policy === "backfill" ? `backfill up to ${misfire.backfillLimit}` : misfire.policy;
  const lines = [
    scheduleLine(schedule),
    `  payload: ${JSON.stringify(schedule.payload)}`,
    `  misfire: ${policy} (ticks more than ${misfire.graceMs} ms late)`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

function scheduleLine(s: Schedule): string {
  const state = s.paused ? "paused" : `next ${s.nextTickAt.toISOString()}`;
  const last = s.lastTickAt === null ? "never run" : `last ${s.lastTickAt.toISOString()}`;
  return `${s.name}  "${s.cron}" ${s.timezone}  ${s.type} [${s.jobOptions.queue}]  ${state}  ${last}`;
}
