import { api } from "../api.js";
import { el, link } from "../dom.js";
import { pausedLabel, pauseToggle } from "../pause-toggle.js";
import { JOB_STATES, type Queue } from "../types.js";
import type { View } from "../view.js";
import { refreshedTable } from "./refreshed-table.js";

const REFRESH_MS = 3_000;

/** Every queue with its counts per state (each count links to those jobs), paused or not, Pause/Resume. */
export const queuesView: View = (container) =>
  refreshedTable(container, {
    title: "Queues",
    note: `Refreshes every ${REFRESH_MS / 1000} s.`,
    refreshMs: REFRESH_MS,
    fetch: async () => (await api<{ queues: Queue[] }>("GET", "/v1/queues")).queues,
    empty: "No queues yet: a queue appears with its first job.",
    headers: ["queue", "status", ...JOB_STATES, ""],
    row: (queue, reload) => [
      link(jobsHref({ queue: queue.name }), queue.name),
      pausedLabel(queue.paused),
      ...JOB_STATES.map((state) => countCell(queue, state)),
      pauseToggle(queue.paused, `/v1/queues/${encodeURIComponent(queue.name)}`, reload),
    ],
    class: "queues",
  });

function countCell(queue: Queue, state: (typeof JOB_STATES)[number]): Node | string {
  const count = queue.counts[state] ?? 0;
  if (count === 0) return el("span", { class: "zero", "data-count": state }, "0");
  return el("a", { href: jobsHref({ queue: queue.name, state }), "data-count": state, class: `count-${state}` }, String(count));
}

export function jobsHref(filters: Record<string, string>): string {
  const query = new URLSearchParams(filters).toString();
  return query ? `#/jobs?${query}` : "#/jobs";
}
