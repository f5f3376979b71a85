import type { Logger } from "pino";
import type { JobEventBus } from "../client/event-bus.js";
import { validateCronSpec } from "../core/cron.js";
import { ValidationError } from "../core/errors.js";
import { scheduledJob, type Schedule } from "../core/schedule.js";
import type { Store } from "../store/store.js";
import { planTicks } from "./cron-ticks.js";
import { PeriodicTask } from "./periodic-task.js";

// Due schedules fired per look; more wait for the next one, a poll interval later.
const BATCH = 100;

/**
 * Enqueues the jobs of due cron schedules. Every worker process runs one, with no leader: all
 * of them may try to fire a tick, and the store lets exactly one succeed (see
 * Store.fireSchedule), so a process that dies costs nothing but a poll interval. Idle, it costs
 * one indexed query per interval.
 */
export class CronScheduler {
  private readonly task: PeriodicTask;
  /** When (performance.now()) the last look for due schedules that got an answer began. */
  private lastLook: number | null = null;

  constructor(private readonly params: { store: Store; events: JobEventBus; logger: Logger; intervalMs: number }) {
    this.task = new PeriodicTask(() => this.fireDue(), params.intervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async fireDue(): Promise<void> {
    const { store, logger, intervalMs } = this.params;
    try {
      const lookStarted = performance.now();
      const due = await store.listDueSchedules({ limit: BATCH });
      const previousLook = this.lastLook;
      this.lastLook = lookStarted;
      if (due.length === 0) return;
      const now = await store.now();
      // Ticks after this scheduler's last look came due between two of its looks: on time, not
      // missed. Only if that look was about one interval ago: a process stopped or cut off from
      // the store for longer had no scheduler running, and the grace alone decides.
      const sinceLook = previousLook === null ? null : performance.now() - previousLook;
      const lookedAt = sinceLook !== null && sinceLook <= 2 * intervalMs ? new Date(now.getTime() - sinceLook) : null;
      for (const schedule of due) {
        // One schedule failing (its queue's store write, say) must not hold back the others.
        await this.fire(schedule, now, lookedAt).catch((error: unknown) =>
          logger.error({ err: error, schedule: schedule.name }, "firing a cron schedule failed; will try again"),
        );
      }
    } catch (error) {
      logger.error({ err: error }, "looking for due cron schedules failed; will try again");
    }
  }

  private async fire(schedule: Schedule, now: Date, lookedAt: Date | null): Promise<void> {
    const { store, events, logger } = this.params;
    const refusal = cronRefusal(schedule);
    if (refusal !== null) {
      // Saved by an older Errand that took it (an `H` field, whose tick moved at every look, so
      // it never fired): paused, so that it is seen as stopped (and is not looked at again
      // every poll) until someone redefines it.
      await store.pauseSchedule({ name: schedule.name });
      logger.error({ schedule: schedule.name, cron: schedule.cron, reason: refusal }, "cron schedule paused: Errand no longer takes its expression; redefine it, then resume it");
      return;
    }
    let missed = null as { enqueued: number; misfire: string } | null; // set by plan, which the store calls
    const inserted = await store.fireSchedule({
      name: schedule.name,
      dueAt: schedule.nextTickAt,
      // The schedule as the store holds it under the firing's lock: a redefinition saved since
      // it was listed (a new payload, say) is what this tick enqueues.
      plan: (current) => {
        const plan = planTicks({ spec: current, dueAt: current.nextTickAt, now, misfire: current.misfire, lookedAt });
        const missedSome = plan.ticks.length === 0 || plan.ticks[0]! > current.nextTickAt;
        missed = missedSome ? { enqueued: plan.ticks.length, misfire: current.misfire.policy } : null;
        return { nextTickAt: plan.nextTickAt, lastTickAt: plan.ticks.at(-1) ?? null, jobs: plan.ticks.map((tick) => scheduledJob(current, tick)) };
      },
    });
    if (inserted === null) return; // another process fired it first, or it changed meanwhile
    for (const { job, created } of inserted) if (created) events.emit("enqueued", { job });
    if (missed !== null) logger.info({ schedule: schedule.name, since: schedule.nextTickAt, ...missed }, "cron schedule missed ticks while no scheduler ran");
  }
}

/** Why this version refuses a stored schedule's cron or time zone, or null if it takes them. */
function cronRefusal(schedule: Schedule): string | null {
  try {
    validateCronSpec(schedule.cron, schedule.timezone);
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
}
