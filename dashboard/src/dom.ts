/**
 * Builds elements from text, never from markup: every value from the API (payloads are user
 * data) reaches the page through textContent or an attribute, so it cannot become HTML.
 */
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** A table with a header row; `rows` are lists of cells (text or nodes). */
export function table(headers: string[], rows: Child[][], attrs: Record<string, string> = {}): HTMLTableElement {
  return el(
    "table",
    attrs,
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((cell) => el("td", {}, cell))))),
  );
}

export function link(href: string, text: string): HTMLAnchorElement {
  return el("a", { href }, text);
}

export function stateBadge(state: string): HTMLSpanElement {
  return el("span", { class: `state state-${state}`, "data-state": state }, state);
}

export function progressBar(progress: number | null): HTMLElement {
  const value = progress ?? 0;
  return el(
    "span",
    { class: "progress" },
    el("progress", { max: "100", value: String(value), "aria-label": "progress" }),
    el("span", { class: "progress-text" }, progress === null ? "–" : `${Math.round(value)}%`),
  );
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` UTC, the full value in its tooltip. */
export function time(iso: string | null): HTMLElement | string {
  if (iso === null) return "–";
  return el("time", { datetime: iso, title: iso }, iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z"));
}

export function json(value: unknown): HTMLPreElement {
  return el("pre", { class: "json" }, JSON.stringify(value, null, 2) ?? "undefined");
}

/** Replaces a container's content. */
export function show(container: Element, ...children: Child[]): void {
  container.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
