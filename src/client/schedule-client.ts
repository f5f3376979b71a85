import { tickAfter } from "../core/cron.js";
import { validateName, type JobDefaults } from "../core/enqueue-options.js";
import { ScheduleNotFoundError } from "../core/errors.js";
import type { PayloadLimits } from "../core/payload.js";
import { resolveSchedule, type Schedule, type ScheduleOptions } from "../core/schedule.js";
import type { Store } from "../store/store.js";
import { namedType, type JobDefinition } from "./job-definition.js";
import { refuseOutsideLimitedQueue } from "./job-client.js";

/** What `errand.schedule(name, cron, request)` takes: the job type (by definition or name), its payload, and options. */
export interface ScheduleRequest<Payload = unknown, Result = unknown> extends ScheduleOptions {
  type: string | JobDefinition<Payload, Result>;
  /** Every tick's job gets this payload. Default {}. */
  payload?: Payload;
}

/** Creates, inspects, pauses and removes cron schedules; the CronScheduler fires them. */
export class ScheduleClient {
  constructor(
    private readonly store: Store,
    private readonly defaultsFor: (type: string) => JobDefaults,
    private readonly payloadLimits: PayloadLimits,
    /** As JobClient's: a limited type's jobs go to its own queue. */
    private readonly limitedQueueOf: (type: string) => string | null = () => null,
  ) {}

  /** Creates or redefines a schedule (see Store.saveSchedule: an unchanged cron keeps its next tick). */
  async save(name: string, cron: string, request: ScheduleRequest): Promise<Schedule> {
    const { type, payload, ...options } = request ?? {};
    const { name: typeName, definition } = namedType(type, "type");
    const defaults = definition ? definition.defaults : this.defaultsFor(typeName);
    const resolved = resolveSchedule({ name, cron, type: typeName, payload, options }, defaults, this.payloadLimits);
    refuseOutsideLimitedQueue(resolved.type, resolved.jobOptions.queue, this.limitedQueueOf(resolved.type));
    const nextTickAt = tickAfter(resolved, await this.store.now());
    return this.store.saveSchedule({ schedule: { ...resolved, nextTickAt } });
  }

  get(name: string): Promise<Schedule | null> {
    return this.store.getSchedule({ name: validateName(name, "name") });
  }

  list(): Promise<Schedule[]> {
    return this.store.listSchedules();
  }

  async pause(name: string): Promise<Schedule> {
    return found(await this.store.pauseSchedule({ name: validateName(name, "name") }), name);
  }

  /** Resumes from the first tick after now: ticks that passed while paused are not run. */
  async resume(name: string): Promise<Schedule> {
    const schedule = found(await this.get(name), name);
    const nextTickAt = tickAfter(schedule, await this.store.now());
    return found(await this.store.resumeSchedule({ name, nextTickAt }), name);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.removeSchedule({ name: validateName(name, "name") }))) throw new ScheduleNotFoundError(name);
  }
}

function found(schedule: Schedule | null, name: string): Schedule {
  if (schedule === null) throw new ScheduleNotFoundError(name);
  return schedule;
}
