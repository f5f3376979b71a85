import type { BatchCallbackRequest } from "../../client/batch-client.js";
import type { FlowNodeRequest } from "../../client/flow-client.js";
import { RecordNotFoundError, ValidationError } from "../../core/errors.js";
import type { ParentFailurePolicy } from "../../core/job.js";
import type { RouteContext } from "../context.js";
import { batchSchema, enqueueBatchWithCallbackSchema, enqueueFlowSchema, enqueuedBatchSchema, flowSchema, recordIdParamsSchema } from "../flow-schemas.js";
import { HttpError } from "../http-error.js";
import { errorSchema } from "../schemas.js";
import { batchToJson, flowToJson } from "../flow-wire-format.js";
import { apiFieldName, apiValidationMessage, jobToJson, type EnqueueBody } from "../wire-format.js";
import { enqueueRequestFromBody } from "./jobs.js";

type FlowNodeBody = EnqueueBody & { after?: string[]; on_parent_failure?: ParentFailurePolicy };
interface EnqueueBatchBody {
  jobs: EnqueueBody[];
  on_complete: EnqueueBody;
}
interface EnqueueFlowBody {
  nodes: Record<string, FlowNodeBody>;
  on_parent_failure?: ParentFailurePolicy;
}

const error = (description: string) => ({ description, schema: errorSchema });

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
    },
    handler: async (request, reply) => {
      const nodes: Record<string, FlowNodeRequest> = {};
      for (const [name, node] of Object.entries(request.body.nodes)) {
        const { after, on_parent_failure, ...item } = node;
        nodes[name] = {
          job: enqueueRequestFromBody(ctx, item, `nodes.${name}`, request.id),
          ...(after === undefined ? {} : { after }),
          ...(on_parent_failure === undefined ? {} : { onParentFailure: on_parent_failure }),
        };
      }
      const options = request.body.on_parent_failure === undefined ? {} : { onParentFailure: request.body.on_parent_failure };
      try {
        return reply.status(202).send(flowToJson(await errand.enqueueFlow(nodes, options)));
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        const field = flowFieldName(e.field, Object.keys(nodes));
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
    responses: { 200: { description: "the flow", schema: flowSchema }, 404: error("no such flow") },
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
    responses: { 200: { description: "the flow after", schema: flowSchema }, 404: error("no such flow") },
    handler: async (request) => flowToJson(await errand.cancelFlow(request.params.id)),
  });

  routes.add<EnqueueBatchBody, unknown, unknown>({
    method: "POST",
    url: "/v1/batches",
    summary: "Enqueue jobs as a batch, atomically, with an on_complete job that runs once after every member ended",
    tag: "jobs",
    scope: "jobs:write",
    body: enqueueBatchWithCallbackSchema,
    responses: {
      202: { description: "the batch, its members and its on_complete job, committed", schema: enqueuedBatchSchema },
      400: error("invalid body; field names it, e.g. jobs[2].delay_ms or on_complete.payload.completed; nothing was created"),
      422: error("a job has an unknown type; nothing was created"),
    },
    handler: async (request, reply) => {
      const { jobs, on_complete } = request.body;
      const members = jobs.map((item, i) => enqueueRequestFromBody(ctx, item, `jobs[${i}]`, request.id));
      // Its payload's shape is checked by enqueueBatch (an object without the summary's keys).
      const onComplete = enqueueRequestFromBody(ctx, on_complete, "on_complete", request.id) as BatchCallbackRequest;
      try {
        const inserted = await errand.enqueueBatch(members, { onComplete });
        return reply.status(202).send({ batch: batchToJson(inserted.batch), jobs: inserted.jobs.map(jobToJson), on_complete: jobToJson(inserted.onComplete) });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        const field = batchFieldName(e.field);
        throw new HttpError(400, "invalid_input", apiValidationMessage(e, field), field);
      }
    },
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "GET",
    url: "/v1/batches/:id",
    summary: "A batch's member counts per ending, and its onComplete job",
    tag: "jobs",
    scope: "jobs:read",
    params: recordIdParamsSchema,
    responses: { 200: { description: "the batch", schema: batchSchema }, 404: error("no such batch") },
    handler: async (request) => {
      const batch = await errand.getBatch(request.params.id);
      if (batch === null) throw new RecordNotFoundError("batch", request.params.id);
      return batchToJson(batch);
    },
  });
}

/**
 * `nodes.encode.job.delayMs` (the library's name) → `nodes.encode.delay_ms` (the body's). Node
 * names may hold dots (`stage.encode`), so a field is matched against the flow's own names,
 * longest first, rather than split at its first dot.
 */
function flowFieldName(libraryField: string, nodeNames: string[]): string {
  for (const name of [...nodeNames].sort((a, b) => b.length - a.length)) {
    const node = `nodes.${name}`;
    if (libraryField === node) return node;
    if (!libraryField.startsWith(`${node}.`)) continue;
    const rest = libraryField.slice(node.length + 1);
    return `${node}.${apiFieldName(rest.startsWith("job.") ? rest.slice("job.".length) : rest)}`;
  }
  return apiFieldName(libraryField);
}

/** `requests[2].delayMs` → `jobs[2].delay_ms`, `onComplete.payload.completed` → `on_complete.payload.completed`. */
function batchFieldName(libraryField: string): string {
  const member = /^requests(\[\d+\])?(?:\.(.+))?$/.exec(libraryField);
  if (member) return member[1] !== undefined && member[2] !== undefined ? apiFieldName(`${member[1]}.${member[2]}`) : `jobs${member[1] ?? ""}`;
  const callback = /^onComplete(?:\.(.+))?$/.exec(libraryField);
  if (callback) return callback[1] === undefined ? "on_complete" : `on_complete.${apiFieldName(callback[1])}`;
  return apiFieldName(libraryField);
}
