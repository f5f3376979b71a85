import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenUrl } from "../server/listen-url.js";
import type { ErrandMetrics } from "./errand-metrics.js";

/** A listener that serves one ErrandMetrics at GET /metrics, for a process without the HTTP API (`errand work`). */
export interface MetricsEndpoint {
  /** Where it listens, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  /** Stops listening and ends open connections (a scraper's keep-alive must not hold shutdown). */
  close(): Promise<void>;
}

export async function serveMetrics(metrics: ErrandMetrics, params: { port: number; host: string }): Promise<MetricsEndpoint> {
  const server = createServer((request, response) => void answer(metrics, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.port, params.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    url: `${listenUrl(server, params.host)}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(metrics: ErrandMetrics, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? "/").split("?")[0];
  if (path !== "/metrics") return void response.writeHead(404, { "content-type": "text/plain" }).end("not found: scrape /metrics\n");
  if (request.method !== "GET" && request.method !== "HEAD")
    return void response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("use GET\n");
  try {
    const text = await metrics.metrics();
    response.writeHead(200, { "content-type": metrics.contentType }).end(request.method === "HEAD" ? undefined : text);
  } catch (error) {
    response.writeHead(500, { "content-type": "text/plain" }).end(`could not collect metrics: ${(error as Error).message}\n`);
  }
}
