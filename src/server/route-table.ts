import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Scope } from "./auth.js";
import type { JsonSchema } from "./schemas.js";

/** What one route declares: enough to register it with Fastify and to describe it in OpenAPI. */
export interface RouteSpec<Body = unknown, Query = unknown, Params = unknown> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  summary: string;
  tag: "jobs" | "queues" | "schedules" | "health" | "meta";
  /** Scope a bearer token needs when tokens are configured; null: open (health, OpenAPI). */
  scope: Scope | null;
  body?: JsonSchema;
  querystring?: JsonSchema;
  params?: JsonSchema;
  /**
   * Called every few seconds by a machine (a load balancer's health check, a Prometheus scrape):
   * its requests are logged only at warn and above, or they would be most of the server's log.
   */
  polled?: true;
  /** Status → schema (or media type and schema), for the OpenAPI document only. */
  responses: Record<number, { description: string; schema?: JsonSchema; mediaType?: string }>;
  handler: (request: FastifyRequest<{ Body: Body; Querystring: Query; Params: Params }>, reply: FastifyReply) => Promise<unknown>;
}

/** A query or body with no fields: nothing, `{}`, or (for a body) none at all. */
const NO_FIELDS: JsonSchema = { type: "object", properties: {}, additionalProperties: false };

/** Collects routes as they are added, so /openapi.json lists exactly what is served. */
export class RouteTable {
  readonly routes: RouteSpec[] = [];

  constructor(private readonly app: FastifyInstance) {}

  add<Body, Query, Params>(spec: RouteSpec<Body, Query, Params>): void {
    this.routes.push(spec as unknown as RouteSpec);
    // The API's routes refuse fields they do not read, as those with fields do: `{"x":1}` sent to
    // pause a queue is a mistake, not nothing. Health, metrics and OpenAPI are left lenient: probes
    // and scrapers call them with parameters of their own.
    const strict = spec.url.startsWith("/v1/");
    const querystring = spec.querystring ?? (strict ? NO_FIELDS : undefined);
    const body = spec.body ?? (strict && spec.method !== "GET" ? NO_FIELDS : undefined);
    this.app.route<{ Body: Body; Querystring: Query; Params: Params }>({
      method: spec.method,
      url: spec.url,
      schema: {
        ...(body ? { body } : {}),
        ...(querystring ? { querystring } : {}),
        ...(spec.params ? { params: spec.params } : {}),
      },
      config: { scope: spec.scope },
      ...(spec.polled ? { logLevel: "warn" } : {}),
      ...(bodyMayBeOmitted(body) ? { preValidation: omittedBodyAsEmpty } : {}),
      handler: spec.handler,
    });
  }
}

/**
 * A request with no body at all (`curl -X POST …/v1/jobs/retry`) is read as `{}`: a route whose
 * fields are all optional then takes its defaults, and one with required fields names the first
 * missing one. A body that is there but unparsed (no Content-Type) is left to fail as it is.
 */
function bodyMayBeOmitted(schema: JsonSchema | undefined): boolean {
  return schema !== undefined && (schema as { type?: unknown }).type === "object";
}

async function omittedBodyAsEmpty(request: FastifyRequest): Promise<void> {
  const length = request.headers["content-length"];
  const sent = (length !== undefined && length !== "0") || request.headers["transfer-encoding"] !== undefined;
  if (!sent && (request.body === undefined || request.body === null)) request.body = {};
}
