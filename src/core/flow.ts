import type { Job, ParentFailurePolicy } from "./job.js";
import { isTerminal } from "./states.js";

/**
 * A flow as a whole: `running` while any node has not ended; once all have, `completed` if
 * every node completed, else `failed` if any failed, else `canceled`.
 */
export type FlowState = "running" | "completed" | "failed" | "canceled";

export interface FlowNode<Result = unknown> {
  job: Job<unknown, Result>;
  /** The nodes this one waits for. */
  after: string[];
}

export interface Flow {
  id: string;
  state: FlowState;
  createdAt: Date;
  /** Every node, keyed by name, in dependency order. */
  nodes: Record<string, FlowNode>;
}

/** Default for a node whose parent failed or was canceled. */
export const DEFAULT_PARENT_FAILURE_POLICY: ParentFailurePolicy = "cancel";

/**
 * A flow's state from its nodes, and from those retention deleted while keeping others (whose
 * failure or cancel still counts: a flow whose failed node went first is failed, not completed).
 */
export function flowState(nodes: readonly Pick<Job, "state">[], deleted: DeletedFlowNodes = NONE_DELETED): FlowState {
  if (nodes.some((n) => !isTerminal(n.state))) return "running";
  if (deleted.failed || nodes.some((n) => n.state === "failed")) return "failed";
  if (deleted.canceled || nodes.some((n) => n.state === "canceled")) return "canceled";
  return "completed";
}

/** Whether retention has deleted a failed, or a canceled, node of a flow that keeps others. */
export interface DeletedFlowNodes {
  failed: boolean;
  canceled: boolean;
}

const NONE_DELETED: DeletedFlowNodes = Object.freeze({ failed: false, canceled: false });

/** A flow as the store keeps it: its nodes (jobs, by id order) and their edges by job id. */
export interface StoredFlow {
  id: string;
  createdAt: Date;
  deletedNodes: DeletedFlowNodes;
  jobs: Job[];
  dependencies: { parentId: string; childId: string }[];
}

export function flowFromStored(stored: StoredFlow): Flow {
  const nameOf = new Map(stored.jobs.map((j) => [j.id, j.flowNode ?? j.id]));
  const byId = new Map(stored.jobs.map((job) => [job.id, { job, after: [] as string[] }]));
  for (const { parentId, childId } of stored.dependencies) {
    const parent = nameOf.get(parentId);
    if (parent !== undefined) byId.get(childId)?.after.push(parent);
  }
  // Defined, not assigned: a node named "__proto__" would set the object's prototype instead.
  const nodes: Record<string, FlowNode> = Object.fromEntries(stored.jobs.map((job) => [nameOf.get(job.id)!, byId.get(job.id)!]));
  return { id: stored.id, state: flowState(stored.jobs, stored.deletedNodes), createdAt: stored.createdAt, nodes };
}
