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
// A record, so that an event added to the map and not here fails to compile.
const EVENT_NAMES: Record<JobEventName, true> = {
  enqueued: true, started: true, progress: true, completed: true, retrying: true, failed: true, canceled: true,
};
/** Every event name, for callers that cannot be type-checked. */
export const JOB_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly JobEventName[];
export type JobEventListener<K extends JobEventName> = (event: JobEventMap[K]) => void;
