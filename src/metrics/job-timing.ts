import type { Job } from "../core/job.js";

/**
 * Histogram buckets for job run and wait times, in seconds. Background jobs span from a few
 * milliseconds (a cache write, a webhook ping) to many minutes (a report, a video, an import),
 * so the buckets rise roughly ×2–×2.5 from 5 ms to 1 h: fine enough below a second to see a
 * fast job slow down, and still resolving a 10-minute job from a 30-minute one. Anything longer
 * lands in +Inf, which `_sum` and `_count` still account for.
 */
export const JOB_SECONDS_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/** Seconds from `from` to `to`; never negative (the store's clock and this process's may differ by a hair). */
function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}

/**
 * How long a job that just started waited once it was due: from the later of its creation and
 * its run time (a delay, a backoff, a snooze) to its start. Null if it has not started.
 */
export function waitSeconds(job: Job): number | null {
  if (job.startedAt === null) return null;
  const due = job.runAt > job.createdAt ? job.runAt : job.createdAt;
  return secondsBetween(due, job.startedAt);
}

/** How long the attempt that started at `job.startedAt` ran until `end`. Null if it never started. */
export function runSeconds(job: Job, end: Date | null): number | null {
  if (job.startedAt === null) return null;
  return secondsBetween(job.startedAt, end ?? new Date());
}

/**
 * Whether a job that was just canceled was running at the time, read from its own timestamps:
 * a claim starts a job at or after its run time, while every way back to waiting (retry backoff,
 * snooze, lease rescue, replay) moves the run time past the last start.
 */
export function wasRunningWhenCanceled(job: Job): boolean {
  return job.startedAt !== null && job.runAt <= job.startedAt;
}
