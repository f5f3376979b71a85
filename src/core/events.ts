import type { AttemptError, Job } from "./job.js";

/** Lifecycle events emitted in the process where each change happened. */
export interface JobEventMap {
  enqueued: { job: Job };
  started: { job: Job };
  progress: { job: Job; progress: number };
  completed: { job: Job; result: unknown };
  retrying: { job: Job; error: AttemptError; runAt: Date };
  failed: { job: Job; error: AttemptError | null };
  canceled: { job: Job };
}

export type JobEventName = keyof JobEventMap;
export type JobEventListener<K extends JobEventName> = (event: JobEventMap[K]) => void;
