import type { FlowNodeRequest } from "../../client/flow-client.js";
import { RecordNotFoundError, ValidationError } from "../../core/errors.js";
import type { ParentFailurePolicy } from "../../core/job.js";
import type { RouteContext } from "../context.js";
import { batchSchema, enqueueFlowSchema, flowSchema, recordIdParamsSchema } from "../flow-schemas.js";
import { HttpError } from "../http-error.js";
import { errorSchema } from "../schemas.js";
import { batchToJson, flowToJson } from "../flow-wire-format.js";
import { apiFieldName, apiValidationMessage, enqueueOptionsFromBody, type EnqueueBody } from "../wire-format.js";
import { checkWebhookTarget } from "./jobs.js";

type FlowNodeBody = EnqueueBody & { after?: string[]; on_parent_failure?: ParentFailurePolicy };
interface EnqueueFlowBody {
  nodes: Record<string, FlowNodeBody>;
  on_parent_failure?: ParentFailurePolicy;
}

const error = (description: string) => ({ description, schema: errorSchema });
const commonErrors = { 401: error("missing or unknown token"), 403: error("token lacks the scope") };

export function addFlowRoutes(ctx: RouteContext): void {
  const { errand, routes } = ctx;

  routes.add<EnqueueFlowBody, unknown, unknown>({
    method: "POST",
    url: "/v1/flows",
    summary: "Enqueue a graph of jobs atomically; a node runs once the nodes in its `after` completed",
    tag: "jobs",
    scope: "jobs:write",
    body: enqueueFlowSchema,
    responses: {
      202: { description: "the flow, committed", schema: flowSchema },
      400: error("invalid body, unknown parent or a cycle; field names it, e.g. nodes.encode.after[0]; nothing was created"),
      422: error("a node has an unknown job type; nothing was created"),
      ...commonErrors,
    },
    handler: async (request, reply) => {
      const nodes: Record<string, FlowNodeRequest> = {};
      for (const [name, node] of Object.entries(request.body.nodes)) {
        if (!errand.definesType(node.type))
          throw new HttpError(422, "unknown_type", `job type "${node.type}" is not defined on this server`, `nodes.${name}.type`);
        if (node.webhook_url !== undefined) checkWebhookTarget(ctx, node.webhook_url, `nodes.${name}.webhook_url`);
        const { after, on_parent_failure, ...item } = node;
        nodes[name] = {
          job: { type: item.type, payload: item.payload === undefined ? {} : item.payload, options: enqueueOptionsFromBody(item, request.id) },
          ...(after === undefined ? {} : { after }),
          ...(on_parent_failure === undefined ? {} : { onParentFailure: on_parent_failure }),
        };
      }
      const options = request.body.on_parent_failure === undefined ? {} : { onParentFailure: request.body.on_parent_failure };
      try {
        return reply.status(202).send(flowToJson(await errand.enqueueFlow(nodes, options)));
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        const field = flowFieldName(e.field);
        throw new HttpError(400, "invalid_input", apiValidationMessage(e, field), field);
      }
    },
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "GET",
    url: "/v1/flows/:id",
    summary: "A flow's state and every node's job",
    tag: "jobs",
    scope: "jobs:read",
    params: recordIdParamsSchema,
    responses: { 200: { description: "the flow", schema: flowSchema }, 404: error("no such flow"), ...commonErrors },
    handler: async (request) => {
      const flow = await errand.getFlow(request.params.id);
      if (flow === null) throw new RecordNotFoundError("flow", request.params.id);
      return flowToJson(flow);
    },
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "POST",
    url: "/v1/flows/:id/cancel",
    summary: "Cancel every node of a flow that has not ended; running handlers are aborted",
    tag: "jobs",
    scope: "jobs:write",
    params: recordIdParamsSchema,
    responses: { 200: { description: "the flow after", schema: flowSchema }, 404: error("no such flow"), ...commonErrors },
    handler: async (request) => flowToJson(await errand.cancelFlow(request.params.id)),
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "GET",
    url: "/v1/batches/:id",
    summary: "A batch's member counts per ending, and its onComplete job",
    tag: "jobs",
    scope: "jobs:read",
    params: recordIdParamsSchema,
    responses: { 200: { description: "the batch", schema: batchSchema }, 404: error("no such batch"), ...commonErrors },
    handler: async (request) => {
      const batch = await errand.getBatch(request.params.id);
      if (batch === null) throw new RecordNotFoundError("batch", request.params.id);
      return batchToJson(batch);
    },
  });
}

/** `nodes.encode.job.delayMs` (the library's name) → `nodes.encode.delay_ms` (the body's). */
function flowFieldName(libraryField: string): string {
  const inNode = /^nodes\.([^.[]+)\.(?:job\.)?(.+)$/.exec(libraryField);
  return inNode ? `nodes.${inNode[1]}.${apiFieldName(inNode[2]!)}` : apiFieldName(libraryField);
}
