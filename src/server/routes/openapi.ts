import type { RouteContext } from "../context.js";
import type { RouteSpec } from "../route-table.js";
import { errorSchema, type JsonSchema } from "../schemas.js";

export function addOpenApiRoute(ctx: RouteContext, version: string): void {
  ctx.routes.add({
    method: "GET",
    url: "/openapi.json",
    summary: "This document",
    tag: "meta",
    scope: null,
    responses: { 200: { description: "OpenAPI 3.1 document" } },
    handler: async () => openApiDocument(ctx.routes.routes, version),
  });
}

/** OpenAPI 3.1 built from the route table: the schemas listed are the ones requests are validated with. */
export function openApiDocument(routes: RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.scope ? { security: [{ bearer: [route.scope] }], "x-required-scope": route.scope } : { security: [] }),
      parameters: [...parameters(route.params, "path"), ...parameters(route.querystring, "query")],
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: route.body } } } } : {}),
      responses: {
        ...errorResponses(route),
        ...Object.fromEntries(
          Object.entries(route.responses).map(([status, r]) => [
            status,
            { description: r.description, ...(r.schema ? { content: { [r.mediaType ?? "application/json"]: { schema: r.schema } } } : {}) },
          ]),
        ),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Errand HTTP API", version },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "scopes: jobs:write, jobs:read, admin (admin grants all)" },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}

function parameters(schema: JsonSchema | undefined, where: "path" | "query") {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({ name, in: where, required: where === "path" || required.has(name), schema: s }));
}

/**
 * The errors a route can answer besides those it lists itself: any /v1 route refuses bad input
 * (its fields checked, unknown ones refused), a body not sent as JSON, and answers 503 while the
 * store does not; a route with a scope refuses a missing or weaker token. Routes list only
 * their own (404, 409, 422, …), which replace these where they say more.
 */
function errorResponses(route: RouteSpec): Record<string, unknown> {
  const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
  const api = route.url.startsWith("/v1/");
  return {
    ...(api || route.params ? { 400: error("bad input; `error.field` names the field") } : {}),
    ...(route.scope ? { 401: error("no token, or one the server does not know"), 403: error(`the token lacks the ${route.scope} scope`) } : {}),
    ...(api && route.method !== "GET" ? { 415: error("a body not sent as Content-Type: application/json") } : {}),
    ...(api ? { 503: error("the store did not answer") } : {}),
  };
}
