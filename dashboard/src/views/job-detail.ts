import { ApiError, api, clearError, clearLoadError, showError, showLoadError } from "../api.js";
import { el, json, link, progressBar, show, stateBadge, table, time } from "../dom.js";
import { readEventStream } from "../sse.js";
import { isTerminal, type Job } from "../types.js";
import { readOrGiveUp, type View } from "../view.js";

const RECONNECT_MS = 2_000;
/** Laid out on their own below the field list. */
const OWN_SECTIONS = new Set(["payload", "result", "errors", "progress"]);
const TIME_FIELD = /_at$/;

/**
 * One job, every field of it, kept live through its event stream until it ends; Cancel while it
 * has not ended, Retry once it failed or was canceled.
 */
export const jobDetailView: View = (container, _params, path) => {
  const id = path[1] ?? "";
  const aborter = new AbortController();
  let job: Job | null = null;
  let live = false;
  let following = false;
  /** An action found the job no longer stored (retention deleted it): nothing left to act on. */
  let gone = false;

  const render = () => {
    if (job === null || aborter.signal.aborted) return; // a page left draws nothing more
    show(
      container,
      el("h1", {}, `Job ${job.id} `, stateBadge(job.state), " ", el("span", { class: "live", "data-live": String(live) }, live ? "● live" : "")),
      actions(job),
      el("h2", {}, "Progress"),
      progressBar(job.progress),
      el("h2", {}, "Fields"),
      fieldTable(job),
      el("h2", {}, "Payload"),
      json(job.payload),
      el("h2", {}, "Result"),
      json(job.result),
      el("h2", {}, `Attempt errors (${job.errors.length})`),
      job.errors.length === 0
        ? el("p", { class: "muted" }, "None.")
        : table(["attempt", "at", "code", "message"], job.errors.map((e) => [String(e.attempt), time(e.at), e.code ?? "–", el("span", { class: "error-text" }, e.message)]), { class: "errors" }),
    );
  };

  const actions = (current: Job): HTMLElement => {
    if (gone) return el("p", { class: "actions muted", "data-gone": "true" }, "This job is no longer stored: retention deletes ended jobs. What you see is how it last stood.");
    const bar = el("p", { class: "actions" });
    if (!isTerminal(current.state)) bar.append(actionButton("Cancel", "cancel", () => api<Job>("DELETE", `/v1/jobs/${encodeURIComponent(current.id)}`)));
    if (current.state === "failed" || current.state === "canceled")
      bar.append(actionButton("Retry", "retry", () => api<Job>("POST", `/v1/jobs/${encodeURIComponent(current.id)}/retry`)));
    return bar;
  };

  const actionButton = (label: string, action: string, call: () => Promise<Job>): HTMLButtonElement => {
    const button = el("button", { type: "button", "data-action": action }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        job = await call();
        if (aborter.signal.aborted) return; // answered after the page was left: nothing to show it on
        clearError();
        render();
        void follow();
      } catch (error) {
        if (aborter.signal.aborted) return;
        showError(error); // a 409 says why (already ended, not failed)
        if (error instanceof ApiError && error.status === 404) {
          gone = true;
          render();
        } else button.disabled = false;
      }
    });
    return button;
  };

  /**
   * Reads the job, then its event stream while it has not ended; reconnects if the stream drops.
   * A drop (or an unreachable server) is a load error, not an action's: it goes once the stream
   * answers again, or a read finds the job ended.
   */
  const follow = async (): Promise<void> => {
    if (following) return;
    following = true;
    try {
      while (!aborter.signal.aborted) {
        try {
          // An unknown or malformed id says so in place of the page, and is not asked for again.
          const read = await readOrGiveUp(() => api<Job>("GET", `/v1/jobs/${encodeURIComponent(id)}`), container, `job ${id}`, () => aborter.abort());
          if (read === null) return;
          job = read;
          if (isTerminal(job.state)) clearLoadError(); // ended while the stream was down: nothing left to reconnect to
          render();
          if (isTerminal(job.state)) return;
          await readEventStream(`/v1/jobs/${encodeURIComponent(id)}/events`, aborter.signal, (event) => {
            if (job === null || aborter.signal.aborted) return;
            if (!live) {
              // The stream answers (its first event is the job as it is): it is live, and what a drop said is over.
              live = true;
              clearLoadError();
            }
            if (event.event === "state") job = JSON.parse(event.data) as Job;
            else if (event.event === "progress") job = { ...job, progress: (JSON.parse(event.data) as { progress: number }).progress };
            render();
          });
        } catch (error) {
          if (aborter.signal.aborted) return;
          showLoadError(error);
          if (error instanceof ApiError && error.status === 404) return;
        } finally {
          live = false;
        }
        if (aborter.signal.aborted) return; // the stream ended because the page was left
        render();
        if (job !== null && isTerminal(job.state)) return;
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    } finally {
      following = false;
    }
  };

  show(container, el("p", { class: "muted" }, `Loading job ${id}…`));
  void follow();
  return () => aborter.abort();
};

function fieldTable(job: Job): HTMLTableElement {
  const rows = Object.entries(job)
    .filter(([name]) => !OWN_SECTIONS.has(name))
    .map(([name, value]) => el("tr", {}, el("th", { scope: "row" }, name), el("td", { "data-field": name }, fieldValue(name, value))));
  return el("table", { class: "fields" }, el("tbody", {}, ...rows));
}

/** Fields that name another record the dashboard has a page for. */
const RECORD_PAGES: Record<string, string> = { flow_id: "flows", batch_id: "batches" };

function fieldValue(name: string, value: unknown): Node | string {
  if (value === null || value === undefined) return "–";
  const page = RECORD_PAGES[name];
  if (page !== undefined && typeof value === "string") return link(`#/${page}/${encodeURIComponent(value)}`, value);
  if (typeof value === "string") return TIME_FIELD.test(name) ? time(value) : value;
  if (typeof value === "object") return json(value);
  return String(value);
}
