import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Errand } from "../errand.js";
import { PolledQueueCounts } from "../client/polled-queue-counts.js";
import { ErrandMetrics } from "../metrics/errand-metrics.js";
import type { Worker } from "../worker/worker.js";
import { TokenAuthenticator, type Scope } from "./auth.js";
import { resolveServerLimits, type ServerConfig } from "./config.js";
import type { RouteContext } from "./context.js";
import { DASHBOARD_PATH, addDashboard, dashboardAssetsDir } from "./dashboard.js";
import { MAX_PATH_PARAM, answerClientError, answerError, installErrorMapping } from "./error-mapping.js";
import { EventStreamSlots } from "./event-stream-slots.js";
import { JobWatcher } from "./job-watcher.js";
import { parseJsonBody } from "./json-body.js";
import { listenUrl } from "./listen-url.js";
import { RouteTable } from "./route-table.js";
import { addHealthRoutes } from "./routes/health.js";
import { addJobEventRoutes } from "./routes/job-events.js";
import { addFlowRoutes } from "./routes/flows.js";
import { addJobRoutes } from "./routes/jobs.js";
import { addMetricsRoute } from "./routes/metrics.js";
import { addOpenApiRoute } from "./routes/openapi.js";
import { addQueueRoutes } from "./routes/queues.js";
import { addScheduleRoutes } from "./routes/schedules.js";
import { AddressPolicy } from "./webhooks/address-policy.js";
import { WEBHOOK_QUEUE, defineWebhookDelivery } from "./webhooks/delivery.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";
import { refuseForgedLocalRequest } from "./local-callers.js";

export interface ErrandServerOptions extends ServerConfig {
  logger: Logger;
  /** Shown in /openapi.json. */
  version?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:\-]{1,128}$/;

/**
 * The HTTP API over one Errand instance. It composes the library (enqueue, get, list, cancel,
 * retry) and the Store interface (counts, pause); it never sees a concrete backend. Closing
 * the server leaves the Errand open: whoever opened it closes it.
 */
export class ErrandServer {
  readonly app: FastifyInstance;
  private readonly auth: TokenAuthenticator;
  private readonly openStreams = new Set<ServerResponse>();
  private readonly jobWatcher: JobWatcher;
  private readonly dispatcher: WebhookDispatcher | null = null;
  /** What GET /metrics serves: this Errand's metrics, in a registry of the server's own. */
  readonly metrics: ErrandMetrics;
  private webhookWorker: Worker | null = null;
  /** Where the web dashboard is served (under the listen URL), or null when its assets were never built. */
  readonly dashboardPath: string | null;

  constructor(
    private readonly errand: Errand,
    options: ErrandServerOptions,
  ) {
    const limits = resolveServerLimits(options);
    this.auth = new TokenAuthenticator(options.tokens);
    // The Store, not the library: ids come from jobs the route has already read, so there is nothing to validate.
    this.jobWatcher = new JobWatcher((ids) => errand.store.getJobs({ ids }), options.eventsPollIntervalMs ?? 200);
    this.app = Fastify({
      loggerInstance: options.logger as FastifyBaseLogger,
      bodyLimit: limits.bodyLimit,
      requestIdHeader: false,
      // Request log lines and job log lines share one key, so one grep follows a job end to end.
      logController: new Fastify.LogController({ requestIdLogLabel: "correlationId" }),
      // A caller's X-Request-Id is kept if it is sane, so its own logs and ours line up.
      genReqId: (req) => {
        const given = req.headers["x-request-id"];
        return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
      },
      // Unknown fields are errors (not silently removed), and "5" is not the number 5 in a body.
      // verbose: an error carries the schema it broke, whose description words the rule.
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, verbose: true } },
      return503OnClosing: true,
      // Fastify's default (0) lets a request whose body never finishes hold its connection, and so
      // a closing server, forever. A minute carries a full body over the slowest link we expect.
      requestTimeout: 60_000,
      routerOptions: { maxParamLength: MAX_PATH_PARAM },
      frameworkErrors: answerError,
      clientErrorHandler: answerClientError,
    });
    installErrorMapping(this.app);
    this.app.removeContentTypeParser("application/json");
    this.app.addContentTypeParser("application/json", { parseAs: "string" }, parseJsonBody);
    this.app.addHook("onRequest", async (request, reply) => {
      reply.header("x-request-id", request.id);
      if (!this.auth.enabled) refuseForgedLocalRequest(request);
      const scope = (request.routeOptions.config as { scope?: Scope | null }).scope;
      if (scope) this.auth.authorize(request, scope);
    });
    // Streams never end on their own while a job runs; end them so close() does not wait on them.
    this.app.addHook("preClose", async () => {
      for (const res of this.openStreams) res.end();
      this.jobWatcher.stop();
    });

    const webhooks = options.webhooks;
    const ctx: RouteContext = {
      errand,
      routes: new RouteTable(this.app),
      webhookPolicy: webhooks ? new AddressPolicy(webhooks.allowedPrivateAddresses) : null,
      jobWatcher: this.jobWatcher,
      openStreams: this.openStreams,
      eventStreamSlots: new EventStreamSlots(limits.maxEventStreams),
      queueCounts: new PolledQueueCounts(() => errand.listQueues()),
    };
    addJobRoutes(ctx);
    addFlowRoutes(ctx);
    addJobEventRoutes(ctx);
    addQueueRoutes(ctx);
    addScheduleRoutes(ctx);
    addHealthRoutes(ctx);
    this.metrics = new ErrandMetrics(errand);
    addMetricsRoute(ctx, this.metrics);
    addOpenApiRoute(ctx, options.version ?? "0.0.0");
    const assetsDir = dashboardAssetsDir();
    addDashboard(this.app, assetsDir);
    this.dashboardPath = assetsDir === null ? null : DASHBOARD_PATH;
    if (webhooks) {
      const delivery = defineWebhookDelivery(errand, webhooks);
      this.dispatcher = new WebhookDispatcher(errand, delivery, options.logger, webhooks.pollIntervalMs ?? 250);
    }
  }

  /** Whether every /v1 route requires a bearer token. */
  get authRequired(): boolean {
    return this.auth.enabled;
  }

  /**
   * Starts listening, and delivering webhooks (this process works the webhook queue, also
   * when it runs no other workers). Refuses a non-loopback host when no tokens are configured.
   */
  /** Where listen() binds when given `host`; by default loopback without tokens, every address with them. */
  hostFor(host?: string): string {
    return host ?? (this.auth.enabled ? "0.0.0.0" : "127.0.0.1");
  }

  async listen(params: { port: number; host?: string }): Promise<string> {
    const host = this.hostFor(params.host);
    if (opensRoutesToNetwork(host, this.auth.enabled))
      throw new Error(`refusing to listen on ${host} without API tokens: every job route would be open to the network; configure tokens or bind 127.0.0.1`);
    // Bound first: a server that cannot listen must have delivered nothing.
    await this.app.listen({ port: params.port, host });
    if (this.dispatcher) {
      this.webhookWorker = this.errand.work({ queues: [WEBHOOK_QUEUE], concurrency: 10 });
      this.dispatcher.start();
    }
    return listenUrl(this.app.server, host);
  }

  /**
   * Stops accepting requests, ends event streams, stops webhook dispatch and delivery; waits for
   * in-flight requests and deliveries, each for at most `graceMs` if given (then the connections
   * still open are cut, and deliveries go back to their queue).
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    const closing = this.app.close();
    // A client may send its request slowly, or never finish it: the server's close would wait on it.
    const cut = options.graceMs === undefined ? null : setTimeout(() => this.app.server.closeAllConnections(), options.graceMs);
    try {
      await Promise.all([closing, this.dispatcher?.stop(), this.webhookWorker?.close(options)]);
    } finally {
      if (cut !== null) clearTimeout(cut);
    }
    this.metrics.close();
  }
}

/** Whether binding `host` would open every job route to the network: no API tokens, and not a loopback address. */
export function opensRoutesToNetwork(host: string, tokensConfigured: boolean): boolean {
  return !tokensConfigured && !isLoopback(host);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
