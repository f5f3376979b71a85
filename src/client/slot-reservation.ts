import type { ClaimedJob } from "../core/job.js";

/**
 * A worker slot held for one job this process is enqueueing (Worker.reserveSlotFor): the job
 * is inserted already claimed by `workerId` with a lease of `leaseMs`, and starts in that slot
 * without a claim. Settled exactly once, by `take` or `release`.
 */
export interface SlotReservation {
  readonly workerId: string;
  readonly leaseMs: number;
  /** Starts the job the store inserted claimed by this reservation's worker. */
  take(job: ClaimedJob): void;
  /** Gives the slot back: the job was not inserted claimed, or the insert failed. */
  release(): void;
}
