import { api, clearError, showError } from "./api.js";
import { el } from "./dom.js";

/**
 * Pause or Resume for what lives at `path` (a queue, a schedule): POSTs `path/pause` or
 * `path/resume`, then `reload`s the view. A refusal (a token without `admin`) shows the API's words.
 */
export function pauseToggle(paused: boolean, path: string, reload: () => Promise<void>): HTMLButtonElement {
  const action = paused ? "resume" : "pause";
  const button = el("button", { type: "button", "data-action": action }, paused ? "Resume" : "Pause");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `${path}/${action}`);
      clearError(); // an earlier action's refusal is answered
      await reload();
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  });
  return button;
}

/** "paused" or "active", styled as such. */
export function pausedLabel(paused: boolean): HTMLSpanElement {
  return el("span", { class: paused ? "paused" : "active" }, paused ? "paused" : "active");
}
