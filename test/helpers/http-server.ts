import { pino } from "pino";
import { Errand } from "../../src/errand.js";
import { ErrandServer, type ErrandServerOptions } from "../../src/server/server.js";
import type { StoreFactory } from "./store-factory.js";

export interface RunningServer {
  url: string;
  errand: Errand;
  server: ErrandServer;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * A real server on a random loopback port over a fresh store, with test job types:
 * `echo` (returns its payload), `steps` (reports progress), `fail` (always throws, 1 attempt; its payload's `message`, if any),
 * `hold` (runs until canceled) and `declared` (no handler here: worked elsewhere).
 */
export async function startServer(
  factory: StoreFactory,
  options: Partial<ErrandServerOptions> & { worker?: boolean; databaseUrl?: string } = {},
): Promise<RunningServer> {
  const databaseUrl = options.databaseUrl ?? (await factory.url());
  const logger = pino({ level: "silent" });
  const errand = await Errand.connect(await factory.open(databaseUrl), { logger });
  errand.define("echo", { handler: async (payload: unknown) => payload });
  errand.define("steps", {
    handler: async (payload: { steps: number; ms: number }, ctx) => {
      for (let i = 1; i <= payload.steps; i++) {
        await new Promise((r) => setTimeout(r, payload.ms));
        await ctx.progress((i / payload.steps) * 100);
      }
      return { done: payload.steps };
    },
  });
  errand.define("fail", {
    maxAttempts: 1,
    handler: async (payload: { message?: string } | null) => {
      throw new Error(payload?.message ?? "always fails");
    },
  });
  errand.define("hold", {
    handler: (_payload: unknown, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
  });
  errand.define("declared", { queue: "elsewhere" });
  const server = new ErrandServer(errand, { logger, tokens: [], eventsPollIntervalMs: 25, ...options });
  if (options.worker !== false) errand.work({ pollIntervalMs: 20, concurrency: 5 });
  const url = await server.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    errand,
    server,
    databaseUrl,
    close: async () => {
      await server.close();
      await errand.close({ graceMs: 0 });
    },
  };
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** JSON over real HTTP; `body` may be a string to send it verbatim (malformed-input tests). */
export async function http<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}
