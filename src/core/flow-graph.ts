import { validateName } from "./enqueue-options.js";
import { ValidationError, fieldPath } from "./errors.js";
import type { ParentFailurePolicy } from "./job.js";
import { rejectUnknownKeys } from "./option-keys.js";

/** What the graph check reads of a flow node: the names of the nodes it waits for. */
export interface FlowNodeLinks {
  after?: readonly string[];
  onParentFailure?: ParentFailurePolicy;
}

/** Most nodes one flow may have: each is a job, inserted in one transaction. */
export const MAX_FLOW_NODES = 1000;

const FLOW_NODE_KEYS: ReadonlySet<string> = new Set(["job", "after", "onParentFailure"]);

export const PARENT_FAILURE_POLICIES: readonly ParentFailurePolicy[] = ["cancel", "continue"];

export function validateParentFailurePolicy(value: unknown, field: string): ParentFailurePolicy {
  if (!(PARENT_FAILURE_POLICIES as readonly unknown[]).includes(value))
    throw new ValidationError(field, `must be one of ${PARENT_FAILURE_POLICIES.map((p) => `"${p}"`).join(", ")}`);
  return value as ParentFailurePolicy;
}

/**
 * Checks a flow's graph and returns its node names in dependency order (every node after all
 * of its parents, ties in the caller's order), so parents are inserted before their children.
 * Rejects bad names, unknown or repeated parents, and cycles, naming the node and field
 * (`nodes.encode.after[1]`) — before anything is written.
 */
export function orderFlowNodes(nodes: Readonly<Record<string, FlowNodeLinks>>): string[] {
  if (typeof nodes !== "object" || nodes === null || Array.isArray(nodes))
    throw new ValidationError("nodes", "must be an object of nodes keyed by name");
  const names = Object.keys(nodes);
  if (names.length === 0) throw new ValidationError("nodes", "must have at least one node");
  if (names.length > MAX_FLOW_NODES) throw new ValidationError("nodes", `must have at most ${MAX_FLOW_NODES} nodes`);
  const parentsOf = new Map<string, string[]>();
  for (const name of names) {
    validateName(name, fieldPath("nodes", name));
    parentsOf.set(name, validateParents(nodes, name));
  }
  return topologicalOrder(names, parentsOf);
}

function validateParents(nodes: Readonly<Record<string, FlowNodeLinks>>, name: string): string[] {
  const node = nodes[name];
  if (typeof node !== "object" || node === null) throw new ValidationError(`nodes.${name}`, "must be an object");
  rejectUnknownKeys(node, FLOW_NODE_KEYS, `nodes.${name}.`);
  if (node.onParentFailure !== undefined) validateParentFailurePolicy(node.onParentFailure, `nodes.${name}.onParentFailure`);
  const after = node.after ?? [];
  if (!Array.isArray(after)) throw new ValidationError(`nodes.${name}.after`, "must be an array of node names");
  const seen = new Set<string>();
  after.forEach((parent: unknown, i) => {
    const field = `nodes.${name}.after[${i}]`;
    if (typeof parent !== "string" || !Object.hasOwn(nodes, parent))
      throw new ValidationError(field, `names no node of this flow: ${JSON.stringify(parent)}`);
    if (seen.has(parent)) throw new ValidationError(field, `repeats "${parent}"`);
    seen.add(parent);
  });
  return [...seen];
}

/** Kahn's algorithm; what is left when no node is free lies on (or after) a cycle. */
function topologicalOrder(names: string[], parentsOf: Map<string, string[]>): string[] {
  const waiting = new Map(names.map((n) => [n, parentsOf.get(n)!.length]));
  const childrenOf = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const name of names) for (const parent of parentsOf.get(name)!) childrenOf.get(parent)!.push(name);
  const order: string[] = [];
  const ready = names.filter((n) => waiting.get(n) === 0);
  while (ready.length > 0) {
    const name = ready.shift()!;
    order.push(name);
    for (const child of childrenOf.get(name)!) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length < names.length) {
    const cycle = findCycle(names.filter((n) => waiting.get(n)! > 0), parentsOf);
    throw new ValidationError(`nodes.${cycle[0]}.after`, `forms a cycle: ${cycle.join(" → ")}`);
  }
  return order;
}

/** Walks parent links from a stuck node until a name repeats; returns that loop, closed. */
function findCycle(stuck: string[], parentsOf: Map<string, string[]>): string[] {
  const stuckSet = new Set(stuck);
  const path: string[] = [];
  let at = stuck[0]!;
  while (!path.includes(at)) {
    path.push(at);
    // A stuck node has at least one stuck parent: that is why it never became free.
    at = parentsOf.get(at)!.find((p) => stuckSet.has(p))!;
  }
  const loop = path.slice(path.indexOf(at));
  // Reads as "a waits for b waits for … a".
  return [...loop, at];
}
