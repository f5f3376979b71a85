import { api } from "../api.js";
import { el, link, time } from "../dom.js";
import { pausedLabel, pauseToggle } from "../pause-toggle.js";
import type { Schedule } from "../types.js";
import type { View } from "../view.js";
import { jobsHref } from "./queues.js";
import { refreshedTable } from "./refreshed-table.js";

const REFRESH_MS = 5_000;

/** Every cron schedule: when it fires next and last, what it enqueues (linked to those jobs), Pause/Resume. */
export const schedulesView: View = (container) =>
  refreshedTable(container, {
    title: "Schedules",
    note: `Times in UTC; refreshes every ${REFRESH_MS / 1000} s.`,
    refreshMs: REFRESH_MS,
    fetch: async () => (await api<{ schedules: Schedule[] }>("GET", "/v1/schedules")).schedules,
    empty: "No schedules: define one with errand.schedule() or PUT /v1/schedules/:name.",
    headers: ["name", "cron", "timezone", "enqueues", "queue", "next tick", "last tick", "status", ""],
    row: (schedule, reload) => [
      schedule.name,
      el("code", {}, schedule.cron),
      schedule.timezone,
      link(jobsHref({ type: schedule.type }), schedule.type),
      schedule.queue,
      schedule.paused ? "–" : time(schedule.next_tick_at),
      time(schedule.last_tick_at),
      pausedLabel(schedule.paused),
      pauseToggle(schedule.paused, `/v1/schedules/${encodeURIComponent(schedule.name)}`, reload),
    ],
    class: "schedules",
  });
