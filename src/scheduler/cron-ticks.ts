import { newestTicksBefore, tickAfter, ticksBetween, type CronSpec } from "../core/cron.js";
import type { MisfirePolicy } from "../core/schedule.js";

export interface TickPlan {
  /** Ticks to enqueue now, oldest first. */
  ticks: Date[];
  /** The first tick after `now`: what the schedule waits for next. */
  nextTickAt: Date;
}

// Bounded by the grace (at most one hour of one-second ticks); a guard, not a policy.
const MAX_ON_TIME_TICKS = 3600;

/**
 * Which ticks of a schedule that is due (`dueAt` <= `now`) to enqueue now. Ticks from `dueAt`
 * up to `now` are due; those at most `misfire.graceMs` old, or that came after `lookedAt`, are
 * on time and all enqueued; older ones were missed (no scheduler ran) and the misfire policy
 * picks among them (see MisfirePolicy). Pure: the caller passes the store's clock as `now`.
 *
 * `lookedAt`: when this scheduler last looked for due schedules, if it has been looking since.
 * A tick that came after that look was not missed, however long the poll interval is, or late
 * the timer that brought this look.
 */
export function planTicks(params: { spec: CronSpec; dueAt: Date; now: Date; misfire: MisfirePolicy; lookedAt?: Date | null }): TickPlan {
  const { spec, dueAt, now, misfire, lookedAt } = params;
  const graceCutoff = now.getTime() - misfire.graceMs;
  const cutoff = new Date(lookedAt != null && lookedAt.getTime() < graceCutoff ? lookedAt.getTime() : graceCutoff);
  const onTimeFrom = dueAt > cutoff ? dueAt : cutoff;
  const onTime = ticksBetween(spec, onTimeFrom, now, MAX_ON_TIME_TICKS);
  const missed = dueAt < cutoff ? newestTicksBefore(spec, dueAt, cutoff, missedToKeep(misfire)) : [];
  return { ticks: [...missed, ...onTime], nextTickAt: tickAfter(spec, now) };
}

function missedToKeep(misfire: MisfirePolicy): number {
  switch (misfire.policy) {
    case "skip":
      return 0;
    case "latest":
      return 1;
    case "backfill":
      return misfire.backfillLimit;
  }
}
