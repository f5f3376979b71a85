/** JSON Schemas of the flow and batch routes (see schemas.ts for the conventions). */
import { jobSchema, enqueueItemSchema, name, recordId } from "./schemas.js";

const parentFailure = {
  type: "string",
  enum: ["cancel", "continue"],
  description: "when a parent fails or is canceled: cancel this node and what waits for it (default), or run it anyway",
};

// A node is an enqueue item (no idempotency_key: nodes are always new jobs) plus its parents.
const { idempotency_key: _noKey, ...nodeJobFields } = enqueueItemSchema.properties;

export const flowNodeSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type"],
  properties: {
    ...nodeJobFields,
    after: {
      type: "array",
      maxItems: 1000,
      items: name("a node name"),
      description: "names of the nodes that must end first",
    },
    on_parent_failure: parentFailure,
  },
} as const;

export const enqueueFlowSchema = {
  type: "object",
  additionalProperties: false,
  required: ["nodes"],
  properties: {
    nodes: {
      type: "object",
      minProperties: 1,
      maxProperties: 1000,
      propertyNames: name("node name"),
      additionalProperties: flowNodeSchema,
      description: "the graph: nodes keyed by name",
    },
    on_parent_failure: { ...parentFailure, description: "every node's on_parent_failure unless it sets its own" },
  },
} as const;

/**
 * Most members one POST /v1/batches takes. The library takes up to 100 000 (MAX_BATCH_MEMBERS),
 * but a request answers with every member: 10 000 keeps that answer, and the server's time on
 * one insert, to a few megabytes and a fraction of a second.
 */
const MAX_HTTP_BATCH_MEMBERS = 10_000;

// A batch member or its onComplete job: an enqueue item without idempotency_key, as a flow node's.
const batchJobSchema = { type: "object", additionalProperties: false, required: ["type"], properties: nodeJobFields } as const;

export const enqueueBatchWithCallbackSchema = {
  type: "object",
  additionalProperties: false,
  required: ["jobs", "on_complete"],
  properties: {
    jobs: { type: "array", minItems: 1, maxItems: MAX_HTTP_BATCH_MEMBERS, items: batchJobSchema, description: "the members, inserted in one transaction" },
    on_complete: {
      ...batchJobSchema,
      properties: { ...nodeJobFields, payload: { type: "object", description: "a JSON object without the summary's keys (default {})" } },
      description: "the job that runs once every member ended; its payload (an object) gets batchId, completed, failed and canceled merged in",
    },
  },
} as const;

export const recordIdParamsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: recordId("flow or batch id") },
} as const;

export const flowSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    state: { type: "string", enum: ["running", "completed", "failed", "canceled"] },
    created_at: { type: "string", format: "date-time" },
    nodes: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: { after: { type: "array", items: { type: "string" } }, job: jobSchema },
      },
    },
  },
} as const;

export const batchSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    state: { type: "string", enum: ["running", "ended"] },
    created_at: { type: "string", format: "date-time" },
    total: { type: "integer" },
    completed: { type: "integer" },
    failed: { type: "integer" },
    canceled: { type: "integer" },
    on_complete_job_id: { type: "string" },
  },
} as const;

export const enqueuedBatchSchema = {
  type: "object",
  properties: { batch: batchSchema, jobs: { type: "array", items: jobSchema }, on_complete: jobSchema },
} as const;
