import { showError } from "./api.js";

/** Renders into `container` from the route's query; returns what stops it (timers, streams) when the route changes. */
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
      if (!stopped) showError(error);
    }
    if (!stopped && ms !== null) timer = setTimeout(run, ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
