import type { NewFlowNode } from "./store.js";

/** Child `childId` waits for `parentId`, the `position`-th parent it names. */
export interface FlowEdge {
  parentId: string;
  childId: string;
  position: number;
}

/**
 * The edges of a flow just inserted, by job id: `ids[i]` is the id the store gave
 * `nodes[i].job`. Both stores insert nodes and then these edges in one transaction.
 */
export function flowEdges(nodes: readonly NewFlowNode[], ids: readonly string[]): FlowEdge[] {
  const idOf = new Map(nodes.map((node, i) => [node.job.flowNode, ids[i]!]));
  return nodes.flatMap((node, i) =>
    node.parents.map((parent, position) => {
      const parentId = idOf.get(parent);
      if (parentId === undefined) throw new Error(`flow node "${node.job.flowNode}" names unknown parent "${parent}"`);
      return { parentId, childId: ids[i]!, position };
    }),
  );
}

/** Flow nodes and batch members are new jobs by construction: one that already existed under its idempotency key is refused. */
export function expectAllCreated(inserted: readonly { created: boolean }[], what: string): void {
  if (inserted.some((i) => !i.created)) throw new Error(`${what} must not carry idempotency keys that already exist`);
}
