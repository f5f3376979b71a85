import { RecordNotFoundError, ValidationError } from "../core/errors.js";
import { DEFAULT_PARENT_FAILURE_POLICY, flowFromStored, type Flow } from "../core/flow.js";
import { orderFlowNodes, validateParentFailurePolicy } from "../core/flow-graph.js";
import type { ParentFailurePolicy } from "../core/job.js";
import type { NewFlowNode, Store } from "../store/store.js";
import { refuseJoinedOptions } from "./joined-jobs.js";
import { validateId, type JobClient } from "./job-client.js";
import type { EnqueueRequest, JobDefinition } from "./job-definition.js";
import { knownOptions } from "../core/option-keys.js";

/**
 * One node of a flow: the job it runs, and the nodes it waits for. The defaults are `any`, as
 * in enqueueMany: JobDefinition is invariant in both, so a graph of differently typed nodes
 * would match no other default; each node's request is still checked by its own definition.
 */
export interface FlowNodeRequest<Payload = any, Result = any> {
  job: EnqueueRequest<Payload, Result>;
  /** Names of the nodes that must end first (by default: complete). */
  after?: string[];
  /** When a parent fails or is canceled: cancel this node (and what waits for it), or run it anyway. */
  onParentFailure?: ParentFailurePolicy;
}

/** Each node of `nodes` as given, its job checked against its definition as CheckedRequests does. */
export type CheckedFlowNodes<N extends Record<string, FlowNodeRequest>> = {
  [K in keyof N]: N[K] extends { job: { type: JobDefinition<infer P, infer R> } } ? FlowNodeRequest<P, R> : N[K];
};

export interface EnqueueFlowOptions {
  /** Every node's `onParentFailure` unless it sets its own. Default "cancel". */
  onParentFailure?: ParentFailurePolicy;
}

const FLOW_OPTION_KEYS: ReadonlySet<string> = new Set(["onParentFailure"]);

/** Flows: graphs of jobs that wait for jobs, enqueued in one transaction. */
export class FlowClient {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobClient,
  ) {}

  /** Checks the whole graph (names, references, cycles) before writing anything, then inserts it atomically. */
  async enqueueFlow(nodes: Record<string, FlowNodeRequest>, given?: EnqueueFlowOptions): Promise<Flow> {
    const options = knownOptions(given, FLOW_OPTION_KEYS);
    const fallback =
      options.onParentFailure === undefined
        ? DEFAULT_PARENT_FAILURE_POLICY
        : validateParentFailurePolicy(options.onParentFailure, "onParentFailure");
    const order = orderFlowNodes(nodes);
    const newNodes = order.map((name): NewFlowNode => {
      const node = nodes[name]!;
      const field = `nodes.${name}.job`;
      if (typeof node.job !== "object" || node.job === null)
        throw new ValidationError(field, "must be an enqueue request, e.g. definition.request(payload)");
      refuseJoinedOptions(node.job.options, `${field}.`, "a flow node");
      const job = this.jobs.resolve(node.job, `${field}.`);
      const parents = node.after ?? [];
      return {
        job: { ...job, flowNode: name, parentsWaiting: parents.length, onParentFailure: node.onParentFailure ?? fallback },
        parents: [...parents],
      };
    });
    const stored = await this.store.insertFlow({ nodes: newNodes });
    this.jobs.announce(stored.jobs);
    return flowFromStored(stored);
  }

  async getFlow(id: string): Promise<Flow | null> {
    const stored = await this.store.getFlow({ id: validateId(id, "id", "flow") });
    return stored === null ? null : flowFromStored(stored);
  }

  /** Cancels every node that has not ended (running handlers are aborted); returns the flow after. */
  async cancelFlow(id: string): Promise<Flow> {
    const result = await this.store.cancelFlow({ id: validateId(id, "id", "flow") });
    if (result === null) throw new RecordNotFoundError("flow", id);
    // Running nodes in this process are aborted at once (elsewhere: at their next heartbeat).
    const canceled = new Set(result.canceledIds);
    this.jobs.announceCanceled(result.flow.jobs.filter((j) => canceled.has(j.id)));
    return flowFromStored(result.flow);
  }
}
