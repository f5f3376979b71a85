/** Flows and batches in the API's snake_case (see wire-format.ts). */
import type { Batch } from "../core/batch.js";
import type { Flow } from "../core/flow.js";
import { jobToJson } from "./wire-format.js";

export function flowToJson(flow: Flow) {
  return {
    id: flow.id,
    state: flow.state,
    created_at: flow.createdAt.toISOString(),
    nodes: Object.fromEntries(Object.entries(flow.nodes).map(([name, node]) => [name, { after: node.after, job: jobToJson(node.job) }])),
  };
}

export function batchToJson(batch: Batch) {
  return {
    id: batch.id,
    state: batch.state,
    created_at: batch.createdAt.toISOString(),
    total: batch.total,
    completed: batch.completed,
    failed: batch.failed,
    canceled: batch.canceled,
    on_complete_job_id: batch.onCompleteJobId,
  };
}
