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
  const path = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  const container = document.getElementById("view") as HTMLElement;
  markNav(path, params);
  const view = route(path);
  if (view === null) return show(container, el("h1", {}, "Not found"), el("p", {}, "No such page: ", el("code", {}, location.hash)));
  stopView = view(container, params, path);
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
