import { api, clearError } from "../api.js";
import { el, link, show, table } from "../dom.js";
import { pausedLabel, pauseToggle } from "../pause-toggle.js";
import { JOB_STATES, type Queue } from "../types.js";
import { every, type View } from "../view.js";

const REFRESH_MS = 3_000;

/** Every queue with its counts per state (each count links to those jobs), paused or not, Pause/Resume. */
export const queuesView: View = (container) => {
  const body = el("div", {}, el("p", { class: "muted" }, "Loading…"));
  show(container, el("h1", {}, "Queues"), el("p", { class: "muted" }, `Refreshes every ${REFRESH_MS / 1000} s.`), body);

  const load = async () => {
    const { queues } = await api<{ queues: Queue[] }>("GET", "/v1/queues");
    clearError();
    if (queues.length === 0) return show(body, el("p", { class: "muted" }, "No queues yet: a queue appears with its first job."));
    show(
      body,
      table(
        ["queue", "status", ...JOB_STATES, ""],
        queues.map((queue) => [
          link(jobsHref({ queue: queue.name }), queue.name),
          pausedLabel(queue.paused),
          ...JOB_STATES.map((state) => countCell(queue, state)),
          pauseToggle(queue.paused, `/v1/queues/${encodeURIComponent(queue.name)}`, load),
        ]),
        { class: "queues" },
      ),
    );
  };
  return every(REFRESH_MS, load);
};

function countCell(queue: Queue, state: (typeof JOB_STATES)[number]): Node | string {
  const count = queue.counts[state] ?? 0;
  if (count === 0) return el("span", { class: "zero", "data-count": state }, "0");
  return el("a", { href: jobsHref({ queue: queue.name, state }), "data-count": state, class: `count-${state}` }, String(count));
}

export function jobsHref(filters: Record<string, string>): string {
  const query = new URLSearchParams(filters).toString();
  return query ? `#/jobs?${query}` : "#/jobs";
}
