import { api, clearLoadError } from "../api.js";
import { el, link, progressBar, show, stateBadge, table, time } from "../dom.js";
import type { Batch } from "../types.js";
import { every, readOrGiveUp, type View } from "../view.js";

const REFRESH_MS = 3_000;

/** One batch: how many members ended each way, how many have not, and its onComplete job; refreshed until it ends. */
export const batchView: View = (container, _params, path) => {
  const id = path[1] ?? "";
  show(container, el("p", { class: "muted" }, `Loading batch ${id}…`));
  let stop = () => {};
  stop = every(REFRESH_MS, async () => {
    const batch = await readOrGiveUp(() => api<Batch>("GET", `/v1/batches/${encodeURIComponent(id)}`), container, `batch ${id}`, () => stop());
    if (batch === null) return;
    clearLoadError();
    const ended = batch.completed + batch.failed + batch.canceled;
    show(
      container,
      el("h1", {}, `Batch ${batch.id} `, stateBadge(batch.state)),
      el("p", { class: "muted" }, "Created ", time(batch.created_at), batch.state === "running" ? `; refreshes every ${REFRESH_MS / 1000} s.` : "."),
      progressBar(batch.total === 0 ? 100 : (100 * ended) / batch.total),
      table(
        ["members", "not ended", "completed", "failed", "canceled", "on complete"],
        [
          [
            String(batch.total),
            el("span", { "data-count": "not-ended" }, String(batch.total - ended)),
            el("span", { "data-count": "completed" }, String(batch.completed)),
            el("span", { "data-count": "failed" }, String(batch.failed)),
            el("span", { "data-count": "canceled" }, String(batch.canceled)),
            link(`#/jobs/${encodeURIComponent(batch.on_complete_job_id)}`, batch.on_complete_job_id),
          ],
        ],
        { class: "batch" },
      ),
      el("p", { class: "muted" }, "The onComplete job is released once every member has ended; its payload carries these counts."),
    );
    if (batch.state !== "running") stop();
  });
  return () => stop();
};
