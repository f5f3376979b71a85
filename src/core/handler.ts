import type { Job } from "./job.js";

/** What a running handler gets besides its payload. */
export interface JobContext<Payload = unknown> {
  /** The job as it was claimed (attempt number included). */
  readonly job: Job<Payload>;
  /**
   * Fires on timeout, when the job is canceled, when the lease is lost, and on forced
   * shutdown. `signal.reason` says which. Pass it to fetch(), streams and child processes.
   */
  readonly signal: AbortSignal;
  /** Persists progress (0–100) on the job and emits a `progress` event. */
  progress(percent: number): Promise<void>;
}

export type JobHandler<Payload, Result> = (payload: Payload, ctx: JobContext<Payload>) => Promise<Result> | Result;
