import type { RouteContext } from "../context.js";
import type { RouteSpec } from "../route-table.js";
import type { JsonSchema } from "../schemas.js";

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
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, r]) => [
          status,
          { description: r.description, ...(r.schema ? { content: { [r.mediaType ?? "application/json"]: { schema: r.schema } } } : {}) },
        ]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Errand HTTP API", version },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "scopes: jobs:write, jobs:read, admin (admin grants all)" },
      },
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
