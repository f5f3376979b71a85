/**
 * What a batch's onComplete job receives, merged into its payload, once every member ended:
 * the batch id and how many members ended in each terminal state.
 */
export interface BatchSummary {
  batchId: string;
  completed: number;
  failed: number;
  canceled: number;
}

/** `running` until every member has ended; then `ended`, and its onComplete job is released. */
export type BatchState = "running" | "ended";

export interface Batch {
  id: string;
  state: BatchState;
  createdAt: Date;
  /** Members, not counting the onComplete job. */
  total: number;
  completed: number;
  failed: number;
  canceled: number;
  onCompleteJobId: string;
}

/** Most members one batch may have: they are inserted in one transaction. */
export const MAX_BATCH_MEMBERS = 100_000;

export function batchState(counts: Pick<Batch, "total" | "completed" | "failed" | "canceled">): BatchState {
  return counts.completed + counts.failed + counts.canceled >= counts.total ? "ended" : "running";
}
