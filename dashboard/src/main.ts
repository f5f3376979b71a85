import { changeToken, clearError } from "./api.js";
import { show, el } from "./dom.js";
import type { View } from "./view.js";
import { batchView } from "./views/batch.js";
import { flowView } from "./views/flow.js";
import { jobDetailView } from "./views/job-detail.js";
import { jobsView } from "./views/jobs.js";
import { queuesView } from "./views/queues.js";
import { schedulesView } from "./views/schedules.js";

/** Hash routes: #/queues, #/jobs?state=failed&type=&queue=&cursor=, #/jobs/<id>, #/schedules, #/flows/<id>, #/batches/<id>. */
function route(path: string[]): View | null {
  if (path.length === 0 || (path.length === 1 && path[0] === "queues")) return queuesView;
  if (path[0] === "jobs" && path.length === 1) return jobsView;
  if (path[0] === "jobs" && path.length === 2) return jobDetailView;
  if (path.length === 1 && path[0] === "schedules") return schedulesView;
  if (path[0] === "flows" && path.length === 2) return flowView;
  if (path[0] === "batches" && path.length === 2) return batchView;
  return null;
}

let stopView: (() => void) | null = null;

function navigate(): void {
  stopView?.();
  stopView = null;
  clearError();
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart = "", query = ""] = hash.split("?", 2);
  const segments = pathPart.split("/").filter(Boolean);
  const path = decoded(segments);
  const params = new URLSearchParams(query);
  // Each page draws into an element of its own, put in place of the last one: a page left while
  // a read or a stream of its is still settling can then only draw into its own detached
  // element, never over the page that replaced it.
  const container = el("div", { class: "page" });
  show(document.getElementById("view") as HTMLElement, container);
  markNav(path ?? segments, params);
  const view = path === null ? null : route(path);
  if (path === null || view === null) return show(container, el("h1", {}, "Not found"), el("p", {}, "No such page: ", el("code", {}, location.hash)));
  stopView = view(container, params, path);
}

/** The address's path segments decoded, or null when one holds a malformed %-escape (no page has such a name). */
function decoded(segments: string[]): string[] | null {
  try {
    return segments.map(decodeURIComponent);
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

function markNav(path: string[], params: URLSearchParams): void {
  const current =
    path[0] === "jobs" || path[0] === "flows" || path[0] === "batches"
      ? params.get("state") === "failed" && path.length === 1
        ? "dead"
        : "jobs"
      : path[0] === "schedules"
        ? "schedules"
        : "queues";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) a.classList.toggle("current", a.dataset.nav === current);
}

const changeButton = document.getElementById("change-token") as HTMLButtonElement;
changeButton.hidden = false;
changeButton.addEventListener("click", () => void changeToken().then(navigate));
window.addEventListener("hashchange", navigate);
navigate();
