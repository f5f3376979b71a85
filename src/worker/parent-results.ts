import type { Job } from "../core/job.js";
import type { Store } from "../store/store.js";

/** What ctx.parents() answers: a flow node's completed parents' results, keyed by node name. */
export async function parentResults(store: Store, job: Pick<Job, "id" | "flowId">): Promise<Record<string, unknown>> {
  if (job.flowId === null) return {};
  const parents = await store.getParentJobs({ jobId: job.id });
  return Object.fromEntries(parents.filter((p) => p.state === "completed").map((p) => [p.flowNode ?? p.id, p.result]));
}
