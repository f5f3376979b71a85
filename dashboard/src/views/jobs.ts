import { api, clearError, clearLoadError, showError } from "../api.js";
import { el, link, progressBar, show, stateBadge, table, time } from "../dom.js";
import { JOB_STATES, type Job, type JobPage } from "../types.js";
import { every, readOrGiveUp, type View } from "../view.js";
import { jobsHref } from "./queues.js";

const REFRESH_MS = 5_000;
const FILTERS = ["state", "type", "queue"] as const;

/** Jobs, newest first, filtered by state, type and queue (the API's own filters), a page at a time. */
export const jobsView: View = (container, params) => {
  const filters: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  const cursor = params.get("cursor");
  const title = filters.state === "failed" && !filters.type && !filters.queue ? "Dead letters" : "Jobs";
  const body = el("div", {}, el("p", { class: "muted" }, "Loading…"));
  // The table shows neither payloads nor results: read every 5 s, large ones would cost megabytes.
  const query = new URLSearchParams({ ...filters, limit: "50", ...(cursor ? { cursor } : {}), omit: "payload,result" });
  let stop = () => {};
  const load = async () => {
    // Filters the API refuses (a state in the address that is none) will not do on a refresh either.
    const page = await readOrGiveUp(() => api<JobPage>("GET", `/v1/jobs?${query}`), body, "these jobs", () => stop());
    if (page === null) return;
    clearLoadError();
    show(
      body,
      page.jobs.length === 0 ? el("p", { class: "muted" }, "No jobs match.") : jobTable(page.jobs),
      el(
        "p",
        { class: "pager" },
        cursor ? link(jobsHref(filters), "« newest") : null,
        page.next_cursor ? link(jobsHref({ ...filters, cursor: page.next_cursor }), "next page »") : null,
      ),
    );
  };
  show(
    container,
    el("h1", {}, title),
    title === "Dead letters" ? el("p", { class: "muted" }, "Failed jobs: every attempt failed, or a permanent error. Open one to read its errors and retry it.") : null,
    filterForm(filters),
    bulkChangeFor(filters, load),
    body,
  );
  // Later pages stay as they were read: refreshing them would shift rows under the reader.
  stop = cursor ? every(null, load) : every(REFRESH_MS, load);
  return () => stop();
};

/** What can be done to every job of a state at once: replay the ended ones, cancel those not ended. */
const REPLAY = { verb: "Retry", done: "Replayed", action: "retry-all", path: "/v1/jobs/retry" };
const CANCEL = { verb: "Cancel", done: "Canceled", action: "cancel-all", path: "/v1/jobs/cancel" };
const BULK_CHANGES: Record<string, typeof REPLAY> = {
  failed: REPLAY,
  canceled: REPLAY,
  ...Object.fromEntries(["pending", "scheduled", "retrying", "blocked", "running"].map((state) => [state, CANCEL])),
};

/**
 * A button that changes every job the filters match, not only the page shown (the API's
 * pages of changes, one after another), once the user confirms; null for a state it has none for.
 */
function bulkChangeFor(filters: Record<string, string>, reload: () => Promise<void>): HTMLElement | null {
  const change = filters.state === undefined ? undefined : BULK_CHANGES[filters.state];
  if (change === undefined) return null;
  const what = `every ${filters.state} job${filters.type ? ` of type ${filters.type}` : ""}${filters.queue ? ` in queue ${filters.queue}` : ""}`;
  const button = el("button", { type: "button", "data-action": change.action }, `${change.verb} ${what}`);
  const outcome = el("span", { class: "muted", "data-outcome": change.action });
  button.addEventListener("click", async () => {
    if (!confirm(`${change.verb} ${what}?`)) return;
    button.disabled = true;
    let changed = 0;
    let failed = false;
    try {
      let cursor: string | null = null;
      do {
        const body = { ...filters, limit: 1000, ...(cursor ? { cursor } : {}), omit: ["payload", "result", "errors"] }; // only counted
        const page: JobPage = await api<JobPage>("POST", change.path, body);
        changed += page.jobs.length;
        cursor = page.next_cursor;
        if (cursor !== null) outcome.textContent = ` Working: ${changed} so far…`; // a page of 1,000 takes a second or two
      } while (cursor !== null);
      clearError();
    } catch (error) {
      showError(error); // each change committed on its own: those counted stay made
      failed = true;
    }
    outcome.textContent = ` ${change.done} ${changed}${failed ? " before the error above" : ""}.`;
    button.disabled = false;
    await reload().catch(showError);
  });
  return el("p", { class: "actions" }, button, outcome);
}

function filterForm(filters: Record<string, string>): HTMLFormElement {
  const state = el("select", { name: "state" }, el("option", { value: "" }, "any state"), ...JOB_STATES.map((s) => el("option", { value: s }, s)));
  state.value = filters.state ?? "";
  const form = el(
    "form",
    { class: "filters" },
    el("label", {}, "State ", state),
    el("label", {}, "Type ", el("input", { name: "type", value: filters.type ?? "", placeholder: "any type", size: "18" })),
    el("label", {}, "Queue ", el("input", { name: "queue", value: filters.queue ?? "", placeholder: "any queue", size: "14" })),
    el("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen: Record<string, string> = {};
    for (const [name, value] of new FormData(form)) if (typeof value === "string" && value.trim()) chosen[name] = value.trim();
    location.hash = jobsHref(chosen);
  });
  return form;
}

function jobTable(jobs: Job[]): HTMLTableElement {
  return table(
    ["id", "type", "queue", "state", "attempt", "progress", "created", "finished", "last error"],
    jobs.map((job) => [
      link(`#/jobs/${encodeURIComponent(job.id)}`, job.id),
      job.type,
      job.queue,
      stateBadge(job.state),
      `${job.attempt}/${job.max_attempts}`,
      progressBar(job.progress),
      time(job.created_at),
      time(job.finished_at),
      el("span", { class: "error-text" }, job.errors.at(-1)?.message ?? ""),
    ]),
    { class: "jobs" },
  );
}
