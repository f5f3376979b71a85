/**
 * Job states and the transitions between them. This file is the one place that says which
 * move is legal; stores encode the same rules in their SQL, and the conformance tests check
 * both against this table.
 */
export const JOB_STATES = [
  "pending",
  "scheduled",
  "blocked",
  "running",
  "retrying",
  "completed",
  "failed",
  "canceled",
] as const;

export type JobState = (typeof JOB_STATES)[number];

export type TerminalState = "completed" | "failed" | "canceled";

export const TERMINAL_STATES: readonly TerminalState[] = ["completed", "failed", "canceled"];

/** States a worker may claim from once the job's run time has come. */
export const WAITING_STATES: readonly JobState[] = ["pending", "scheduled", "retrying"];

export type JobEvent =
  | "enqueue_now"
  | "enqueue_later"
  | "enqueue_claimed"
  | "run_time_arrived"
  | "parents_completed"
  | "claim"
  | "handler_returned"
  | "handler_threw_with_attempts_left"
  | "lease_expired_with_attempts_left"
  | "permanent_failure_or_no_attempts_left"
  | "snooze"
  | "cancel"
  | "replay"
  | "replay_waiting";

const TRANSITIONS: Record<JobEvent, { from: readonly (JobState | "new")[]; to: JobState }> = {
  enqueue_now: { from: ["new"], to: "pending" },
  enqueue_later: { from: ["new"], to: "scheduled" },
  // Enqueued where an idle worker works its queue: inserted already claimed by that worker
  // (Store.insertClaimedJob), as if `claim` had followed `enqueue_now` in the same commit.
  enqueue_claimed: { from: ["new"], to: "running" },
  run_time_arrived: { from: ["scheduled", "retrying"], to: "pending" },
  // A flow node whose last parent ended (completed, or failed under `continue`); a run time
  // still ahead makes it `scheduled` instead, as at enqueue.
  parents_completed: { from: ["blocked"], to: "pending" },
  claim: { from: ["pending"], to: "running" },
  handler_returned: { from: ["running"], to: "completed" },
  handler_threw_with_attempts_left: { from: ["running"], to: "retrying" },
  lease_expired_with_attempts_left: { from: ["running"], to: "retrying" },
  permanent_failure_or_no_attempts_left: { from: ["running"], to: "failed" },
  snooze: { from: ["running"], to: "scheduled" },
  cancel: { from: ["pending", "scheduled", "blocked", "running", "retrying"], to: "canceled" },
  replay: { from: ["failed", "canceled"], to: "pending" },
  // A flow child whose parents have not all ended, or a batch's onComplete job whose batch has
  // not, replayed: it waits again (canceled while it waited, say).
  replay_waiting: { from: ["failed", "canceled"], to: "blocked" },
};

export function isTerminal(state: JobState): boolean {
  return (TERMINAL_STATES as readonly JobState[]).includes(state);
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && (JOB_STATES as readonly string[]).includes(value);
}

/** The state `event` moves a job in `from` to, or null when the move is not allowed. */
export function nextState(from: JobState | "new", event: JobEvent): JobState | null {
  const rule = TRANSITIONS[event];
  return rule.from.includes(from) ? rule.to : null;
}

/** Which event ends a failed attempt: another try, or the dead-letter set. */
export function failureEvent(params: {
  attempt: number;
  maxAttempts: number;
  permanent: boolean;
}): "handler_threw_with_attempts_left" | "permanent_failure_or_no_attempts_left" {
  return params.permanent || params.attempt >= params.maxAttempts
    ? "permanent_failure_or_no_attempts_left"
    : "handler_threw_with_attempts_left";
}

/**
 * A waiting job's state as users see it: `scheduled` and `retrying` become `pending` once
 * their run time has come, even before a worker has claimed them.
 */
export function visibleState(stored: JobState, runAt: number, now: number): JobState {
  if ((stored === "scheduled" || stored === "retrying") && runAt <= now) return "pending";
  return stored;
}
