import { validateCronSpec } from "./cron.js";
import { JOB_DEFAULT_KEYS, resolveDefaults, validateName, type EnqueueOptions, type JobDefaults } from "./enqueue-options.js";
import { ValidationError } from "./errors.js";
import { STANDALONE_JOB, type NewJob } from "./job.js";
import { rejectUnknownKeys } from "./option-keys.js";
import { serializePayload, type PayloadLimits } from "./payload.js";

export const MISFIRE_POLICIES = ["latest", "skip", "backfill"] as const;
export type MisfirePolicyName = (typeof MISFIRE_POLICIES)[number];

/**
 * What happens to ticks that passed while no scheduler ran (downtime). A tick at most
 * `graceMs` old is on time and always enqueued; an older one is missed, and then:
 * - `latest` (default): one catch-up run, for the most recent missed tick;
 * - `skip`: none;
 * - `backfill`: one run for each of the most recent `backfillLimit` missed ticks.
 */
export interface MisfirePolicy {
  policy: MisfirePolicyName;
  backfillLimit: number;
  graceMs: number;
}

export const DEFAULT_MISFIRE: MisfirePolicy = { policy: "latest", backfillLimit: 10, graceMs: 60_000 };
const MAX_BACKFILL = 1000;
// Every on-time tick is enqueued, so the grace bounds how many one firing may write.
const MAX_GRACE_MS = 3_600_000;

/** A recurring job: every tick of `cron` in `timezone` enqueues one job of `type`. */
export interface Schedule<Payload = unknown> {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  payload: Payload;
  /** The options of every job it enqueues, resolved when the schedule was saved. */
  jobOptions: JobDefaults;
  misfire: MisfirePolicy;
  /** A paused schedule enqueues nothing; resuming it starts from the next tick after then. */
  paused: boolean;
  /** The next tick to enqueue. */
  nextTickAt: Date;
  /** The newest tick enqueued so far; null before the first. */
  lastTickAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A validated schedule as the store saves it. */
export interface NewSchedule {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  /** JSON text, already validated. */
  payload: string;
  jobOptions: JobDefaults;
  misfire: MisfirePolicy;
  /** Kept instead when a schedule of this name exists with the same cron and time zone. */
  nextTickAt: Date;
}

/** Options of `errand.schedule(name, cron, options)` besides `type` and `payload`. */
export interface ScheduleOptions extends Pick<EnqueueOptions, "queue" | "priority" | "maxAttempts" | "timeoutMs" | "backoff"> {
  /** IANA time zone the cron expression is read in. Default "UTC". */
  timezone?: string;
  misfire?: Partial<MisfirePolicy>;
}

const SCHEDULE_OPTION_KEYS: ReadonlySet<string> = new Set<string>([...JOB_DEFAULT_KEYS, "timezone", "misfire"]);
const MISFIRE_KEYS: ReadonlySet<string> = new Set(["policy", "backfillLimit", "graceMs"]);

/** Everything but the next tick, which needs the store's clock. Throws ValidationError naming the field. */
export function resolveSchedule(
  input: { name: unknown; cron: unknown; type: unknown; payload: unknown; options: ScheduleOptions },
  defaults: JobDefaults,
  limits: PayloadLimits,
): Omit<NewSchedule, "nextTickAt"> {
  const name = validateName(input.name, "name");
  const type = validateName(input.type, "type");
  rejectUnknownKeys(input.options, SCHEDULE_OPTION_KEYS);
  const { timezone = "UTC", misfire, ...jobOptions } = input.options;
  const spec = validateCronSpec(input.cron, timezone);
  return {
    name,
    ...spec,
    type,
    payload: serializePayload(input.payload === undefined ? {} : input.payload, limits),
    jobOptions: resolveDefaults(defaults, jobOptions),
    misfire: resolveMisfire(misfire ?? {}),
  };
}

function resolveMisfire(input: Partial<MisfirePolicy>): MisfirePolicy {
  if (typeof input !== "object" || input === null) throw new ValidationError("misfire", "must be an object");
  rejectUnknownKeys(input, MISFIRE_KEYS, "misfire.");
  const policy = input.policy ?? DEFAULT_MISFIRE.policy;
  if (!MISFIRE_POLICIES.includes(policy))
    throw new ValidationError("misfire.policy", `must be one of ${MISFIRE_POLICIES.join(", ")}`);
  return {
    policy,
    backfillLimit: integerIn(input.backfillLimit ?? DEFAULT_MISFIRE.backfillLimit, "misfire.backfillLimit", 1, MAX_BACKFILL),
    graceMs: integerIn(input.graceMs ?? DEFAULT_MISFIRE.graceMs, "misfire.graceMs", 1000, MAX_GRACE_MS),
  };
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * The key that makes a tick enqueue at most one job, whichever process fires it: the store
 * keeps idempotency keys unique.
 */
export function scheduleTickKey(name: string, tick: Date): string {
  return `errand:schedule:${name}:${tick.toISOString()}`;
}

/** The job one tick enqueues. Its run time is the tick, so a handler can read which tick it serves. */
export function scheduledJob(schedule: Pick<NewSchedule, "name" | "type" | "jobOptions"> & { payload: unknown }, tick: Date): NewJob {
  const { queue, priority, maxAttempts, timeoutMs, backoff } = schedule.jobOptions;
  return {
    type: schedule.type,
    queue,
    payload: JSON.stringify(schedule.payload),
    priority,
    runAt: tick,
    delayMs: 0,
    maxAttempts,
    timeoutMs,
    backoff,
    idempotencyKey: scheduleTickKey(schedule.name, tick),
    correlationId: null,
    webhookUrl: null,
    ...STANDALONE_JOB,
  };
}
