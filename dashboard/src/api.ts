/**
 * The page's only way to the data: the server's /v1 API, with the viewer's bearer token when the
 * server requires one. A 401 asks for a token (kept in sessionStorage, this tab only) and
 * retries; any other error becomes an ApiError carrying the API's own code and message.
 */
const TOKEN_KEY = "errand.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** What the viewer reads: a 403 says which scope the token lacks (the API's message names it). */
  describe(): string {
    const what = this.status === 403 ? "Forbidden" : `Error ${this.status}`;
    return `${what} (${this.code}): ${this.message}`;
  }
}

export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

let pendingPrompt: Promise<void> | null = null;

/** Shows the token form (once, however many requests were refused) and resolves when a token is entered. */
function askForToken(reason: string): Promise<void> {
  pendingPrompt ??= new Promise<void>((resolve) => {
    const form = document.getElementById("token-form") as HTMLFormElement;
    const input = form.elements.namedItem("token") as HTMLInputElement;
    (document.getElementById("token-reason") as HTMLElement).textContent = reason;
    form.hidden = false;
    input.value = "";
    input.focus();
    form.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        form.hidden = true;
        pendingPrompt = null;
        resolve();
      },
      { once: true },
    );
  });
  return pendingPrompt;
}

/** Asks for another token (the header's "Change token"), e.g. one with the admin scope. */
export function changeToken(): Promise<void> {
  return askForToken("Enter another API token.");
}

export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * fetch() against the API, asking for a token on 401 and trying again with it. Resolves with an
 * ok response; throws ApiError for any other answer.
 */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const response = await fetch(path, { ...init, headers: { accept: "application/json", ...authHeaders(), ...init.headers } });
    if (response.ok) return response;
    const error = await errorOf(response);
    if (response.status !== 401) throw error;
    const hadToken = currentToken() !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    await askForToken(
      hadToken
        ? `The token was refused: ${error.message}`
        : "This server requires an API token: jobs:read to look, jobs:write to cancel or retry, admin to pause queues.",
    );
  }
}

/** `body`, if given, is sent as JSON. */
export async function api<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  const response = await apiFetch(path, init);
  return (await response.json()) as T;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(response.status, body.error?.code ?? "error", body.error?.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, "error", response.statusText || "no answer body");
  }
}

/**
 * One banner for errors (and nothing else): the API's message, as text. An action's error (a
 * refused Cancel, a 403 naming the scope a token lacks) stays until the next action or page; a
 * refresh's error (showLoadError) goes with the next refresh that succeeds (clearLoadError), so a
 * page refreshing every few seconds does not wipe out what a click was told.
 */
export function showError(error: unknown): void {
  setBanner(error, "action");
}

export function showLoadError(error: unknown): void {
  const banner = document.getElementById("banner") as HTMLElement;
  if (!banner.hidden && banner.dataset.source === "action") return;
  setBanner(error, "load");
}

export function clearError(): void {
  const banner = document.getElementById("banner") as HTMLElement;
  banner.hidden = true;
  banner.textContent = "";
  delete banner.dataset.source;
}

export function clearLoadError(): void {
  const banner = document.getElementById("banner") as HTMLElement;
  if (banner.dataset.source !== "action") clearError();
}

function setBanner(error: unknown, source: "action" | "load"): void {
  const banner = document.getElementById("banner") as HTMLElement;
  banner.textContent = error instanceof ApiError ? error.describe() : `Error: ${error instanceof Error ? error.message : String(error)}`;
  banner.dataset.source = source;
  banner.hidden = false;
}
