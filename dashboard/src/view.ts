import { ApiError, showError, showLoadError } from "./api.js";
import { el, show } from "./dom.js";

/**
 * Renders into `container` from the route's query; returns what stops it (timers, streams) when
 * the route changes. The container is the view's own: main.ts detaches it when the route changes,
 * so `container.isConnected` says whether the view is still the one on screen.
 */
export type View = (container: HTMLElement, params: URLSearchParams, path: string[]) => () => void;

/**
 * Runs `load` now and then every `ms` after each run settles (never two at once; `null`: only
 * now); an error is shown in the banner and the next run tries again. Returns the stop function.
 */
export function every(ms: number | null, load: () => Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await load();
    } catch (error) {
      if (!stopped) showLoadError(error);
    }
    if (!stopped && ms !== null) timer = setTimeout(next, ms);
  };
  // A tab nobody looks at reads nothing (a page of jobs costs the server a read and a reply):
  // it reads again the moment it is shown.
  const next = () => {
    if (stopped) return;
    if (document.hidden) document.addEventListener("visibilitychange", next, { once: true });
    else void run();
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", next);
  };
}

/**
 * `read`'s answer, or null once the API has said there is nothing to read: a 404 (no such
 * record) or a 400 (a malformed id) will not change on a refresh, so the page says so in place
 * of its content and `stop`s refreshing. Any other error is thrown, for `every` to retry.
 * Null too, and nothing said, when the view was left while it read: the banner is the next
 * view's by then.
 */
export async function readOrGiveUp<T>(read: () => Promise<T>, container: HTMLElement, what: string, stop: () => void): Promise<T | null> {
  try {
    const answer = await read();
    return container.isConnected ? answer : null;
  } catch (error) {
    if (!container.isConnected) return null;
    if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 400)) throw error;
    stop();
    showError(error);
    if (error.status === 404) show(container, el("h1", {}, "Not found"), el("p", { class: "muted" }, `No ${what}: ${error.message}`));
    else show(container, el("h1", {}, "Not valid"), el("p", { class: "muted" }, `Cannot show ${what}: ${error.message}`));
    return null;
  }
}
