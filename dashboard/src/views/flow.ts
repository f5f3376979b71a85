import { api, clearError, clearLoadError, showError } from "../api.js";
import { el, link, show, stateBadge, table, time } from "../dom.js";
import type { Flow, Job } from "../types.js";
import { every, readOrGiveUp, type View } from "../view.js";

const REFRESH_MS = 3_000;
const MAX_PARENTS_SHOWN = 12;

/**
 * One flow: each node's job and state, parents above children, what each node waits for, and
 * its last error; refreshed while the flow runs. Cancel flow cancels every node not yet ended.
 */
export const flowView: View = (container, _params, path) => {
  const id = path[1] ?? "";
  const url = `/v1/flows/${encodeURIComponent(id)}`;
  show(container, el("p", { class: "muted" }, `Loading flow ${id}…`));
  let stop = () => {};
  const render = (flow: Flow) => {
    show(
      container,
      el("h1", {}, `Flow ${flow.id} `, stateBadge(flow.state)),
      flow.state === "running" ? el("p", { class: "actions" }, cancelButton(url, render)) : null,
      el("p", { class: "muted" }, "Created ", time(flow.created_at), flow.state === "running" ? `; refreshes every ${REFRESH_MS / 1000} s.` : "."),
      nodeTable(flow),
    );
  };
  stop = every(REFRESH_MS, async () => {
    const flow = await readOrGiveUp(() => api<Flow>("GET", url), container, `flow ${id}`, () => stop());
    if (flow === null) return;
    clearLoadError();
    render(flow);
    // An ended flow changes again only if one of its nodes is replayed, which the page that
    // replays it links back from; polling every ended flow left open would load the store for that.
    if (flow.state !== "running") stop();
  });
  return () => stop();
};

function cancelButton(url: string, render: (flow: Flow) => void): HTMLButtonElement {
  const button = el("button", { type: "button", "data-action": "cancel-flow" }, "Cancel flow");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      render(await api<Flow>("POST", `${url}/cancel`));
      clearError();
    } catch (error) {
      showError(error); // a 403 names the scope the token lacks
      button.disabled = false;
    }
  });
  return button;
}

function nodeTable(flow: Flow): HTMLTableElement {
  const names = Object.keys(flow.nodes);
  const depth = depths(flow);
  names.sort((a, b) => depth.get(a)! - depth.get(b)! || a.localeCompare(b, undefined, { numeric: true }));
  return table(
    ["node", "waits for", "job", "type", "state", "attempt", "finished", "last error"],
    names.map((name) => {
      const { after, job } = flow.nodes[name]!;
      return [
        el("span", { "data-node": name }, name),
        parentList(after),
        link(`#/jobs/${encodeURIComponent(job.id)}`, job.id),
        job.type,
        stateBadge(job.state),
        `${job.attempt}/${job.max_attempts}`,
        time(job.finished_at),
        el("span", { class: "error-text" }, lastError(job)),
      ];
    }),
    { class: "flow-nodes" },
  );
}

/** Each node's place in the graph: 0 for a node that waits for none, else one below its lowest parent. */
function depths(flow: Flow): Map<string, number> {
  const depth = new Map<string, number>();
  const of = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    depth.set(name, 0); // a flow has no cycles (the API refuses them); this only guards the walk
    const parents = flow.nodes[name]?.after ?? [];
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(of));
    depth.set(name, value);
    return value;
  };
  for (const name of Object.keys(flow.nodes)) of(name);
  return depth;
}

/** The parents a node waits for; past a dozen, how many more (a fan-in of hundreds would fill the page). */
function parentList(after: string[]): string {
  if (after.length === 0) return "–";
  const shown = after.slice(0, MAX_PARENTS_SHOWN).join(", ");
  return after.length > MAX_PARENTS_SHOWN ? `${shown} and ${after.length - MAX_PARENTS_SHOWN} more` : shown;
}

function lastError(job: Job): string {
  return job.errors.at(-1)?.message ?? "";
}
