import { api, clearError } from "../api.js";
import { el, link, show, table, time } from "../dom.js";
import { pausedLabel, pauseToggle } from "../pause-toggle.js";
import type { Schedule } from "../types.js";
import { every, type View } from "../view.js";
import { jobsHref } from "./queues.js";

const REFRESH_MS = 5_000;

/** Every cron schedule: when it fires next and last, what it enqueues (linked to those jobs), Pause/Resume. */
export const schedulesView: View = (container) => {
  const body = el("div", {}, el("p", { class: "muted" }, "Loading…"));
  show(container, el("h1", {}, "Schedules"), el("p", { class: "muted" }, `Times in UTC; refreshes every ${REFRESH_MS / 1000} s.`), body);

  const load = async () => {
    const { schedules } = await api<{ schedules: Schedule[] }>("GET", "/v1/schedules");
    clearError();
    if (schedules.length === 0) return show(body, el("p", { class: "muted" }, "No schedules: define one with errand.schedule() or PUT /v1/schedules/:name."));
    show(
      body,
      table(
        ["name", "cron", "timezone", "enqueues", "queue", "next tick", "last tick", "status", ""],
        schedules.map((schedule) => [
          schedule.name,
          el("code", {}, schedule.cron),
          schedule.timezone,
          link(jobsHref({ type: schedule.type }), schedule.type),
          schedule.queue,
          schedule.paused ? "–" : time(schedule.next_tick_at),
          time(schedule.last_tick_at),
          pausedLabel(schedule.paused),
          pauseToggle(schedule.paused, `/v1/schedules/${encodeURIComponent(schedule.name)}`, load),
        ]),
        { class: "schedules" },
      ),
    );
  };
  return every(REFRESH_MS, load);
};
