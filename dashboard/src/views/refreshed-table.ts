import { clearLoadError } from "../api.js";
import { el, show, table, type Child } from "../dom.js";
import { every } from "../view.js";

/**
 * A page of one table, fetched now and again every `refreshMs`: a heading and a note above it,
 * `empty` in its place while there are no rows. `row` gets `reload`, for controls whose
 * action changes what the table shows (Pause/Resume). Returns the view's stop function.
 */
export function refreshedTable<T>(
  container: HTMLElement,
  spec: {
    title: string;
    note: string;
    refreshMs: number;
    fetch: () => Promise<T[]>;
    empty: string;
    headers: string[];
    row: (item: T, reload: () => Promise<void>) => Child[];
    class: string;
  },
): () => void {
  const body = el("div", {}, el("p", { class: "muted" }, "Loading…"));
  show(container, el("h1", {}, spec.title), el("p", { class: "muted" }, spec.note), body);
  const load = async () => {
    const items = await spec.fetch();
    if (!body.isConnected) return; // the view was left while it read: the banner is the next view's
    clearLoadError();
    if (items.length === 0) return show(body, el("p", { class: "muted" }, spec.empty));
    show(body, table(spec.headers, items.map((item) => spec.row(item, load)), { class: spec.class }));
  };
  return every(spec.refreshMs, load);
}
