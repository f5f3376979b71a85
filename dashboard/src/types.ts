/** The API's shapes, as much of them as the page reads (see the README's "Reference (v1)"). */
export const JOB_STATES = ["pending", "scheduled", "blocked", "running", "retrying", "completed", "failed", "canceled"] as const;
export type JobState = (typeof JOB_STATES)[number];

export function isTerminal(state: JobState): boolean {
  return state === "completed" || state === "failed" || state === "canceled";
}

export interface AttemptError {
  attempt: number;
  message: string;
  code: string | null;
  at: string;
}

/** A job as the API sends it: the fields the page lays out itself; it lists every other field as it comes. */
export interface Job {
  id: string;
  type: string;
  queue: string;
  state: JobState;
  payload: unknown;
  result: unknown;
  attempt: number;
  max_attempts: number;
  progress: number | null;
  errors: AttemptError[];
  created_at: string;
  run_at: string;
  finished_at: string | null;
  [field: string]: unknown;
}

export interface JobPage {
  jobs: Job[];
  next_cursor: string | null;
}

export interface Queue {
  name: string;
  paused: boolean;
  counts: Record<JobState, number>;
}

export interface Schedule {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  queue: string;
  paused: boolean;
  next_tick_at: string;
  last_tick_at: string | null;
}

/** A flow as `GET /v1/flows/:id` sends it: its state and each node's job, by node name. */
export interface Flow {
  id: string;
  state: "running" | "completed" | "failed" | "canceled";
  created_at: string;
  nodes: Record<string, { after: string[]; job: Job }>;
}

/** A batch as `GET /v1/batches/:id` sends it. */
export interface Batch {
  id: string;
  state: "running" | "ended";
  created_at: string;
  total: number;
  completed: number;
  failed: number;
  canceled: number;
  on_complete_job_id: string;
}
