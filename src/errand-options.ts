import type { Logger } from "pino";
import { DEFAULT_JOB_DEFAULTS, JOB_DEFAULT_KEYS, resolveDefaults, type JobDefaultOptions, type JobDefaults } from "./core/enqueue-options.js";
import { ValidationError } from "./core/errors.js";
import { definedOnly, knownOptions } from "./core/option-keys.js";
import { DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from "./core/payload.js";
import { resolveRetention, type RetentionOptions, type RetentionPolicy } from "./core/retention.js";
import { timerMs } from "./core/timer-limit.js";

export interface ErrandOptions {
  /** A pino logger. Default: JSON to stderr at level ERRAND_LOG_LEVEL or "warn". */
  logger?: Logger;
  /** Defaults for every job type, each overridable per type and per job. */
  defaults?: JobDefaultOptions;
  /** Payload and result size and depth limits, enforced at enqueue. */
  payloadLimits?: Partial<PayloadLimits>;
  /** How often a process that works jobs looks for due cron schedules, ms. Default 1 000. */
  schedulePollIntervalMs?: number;
  /**
   * How long ended jobs are kept before `work()`'s maintenance deletes them (one process at a
   * time). Default: completed and canceled 7 days, failed 30 days. `false` keeps them forever.
   */
  retention?: RetentionOptions | false;
  /**
   * Whether `Errand.connect(url)` brings the store's schema up to date (default true). With false
   * it only checks: a schema behind this code fails with SchemaBehindError, so processes never
   * migrate on start and migrations run once, in a deploy step (`errand migrate`, Errand.migrate).
   * A Store passed to connect instead of a URL was migrated or checked by whoever opened it.
   */
  migrate?: boolean;
}

/** ErrandOptions checked, with their defaults (the logger stays optional: connect makes one only when it is needed). */
export interface ResolvedErrandOptions {
  logger: Logger | undefined;
  defaults: JobDefaults;
  payloadLimits: PayloadLimits;
  schedulePollIntervalMs: number;
  retention: RetentionPolicy | null;
  migrate: boolean;
}

const ERRAND_OPTION_KEYS: ReadonlySet<string> = new Set(["logger", "defaults", "payloadLimits", "schedulePollIntervalMs", "retention", "migrate"]);
const JOB_DEFAULT_OPTION_KEYS: ReadonlySet<string> = new Set(JOB_DEFAULT_KEYS);
const PAYLOAD_LIMIT_KEYS: ReadonlySet<string> = new Set(["maxBytes", "maxDepth"]);

/** Checks every option of Errand.connect and fills in the defaults; throws ValidationError naming the first bad one. */
export function resolveErrandOptions(given: ErrandOptions | undefined): ResolvedErrandOptions {
  const options = knownOptions(given, ERRAND_OPTION_KEYS);
  const migrate = options.migrate ?? true;
  if (typeof migrate !== "boolean") throw new ValidationError("migrate", "must be true or false");
  const { logger } = options;
  if (logger !== undefined && (typeof logger !== "object" || logger === null || typeof logger.warn !== "function"))
    throw new ValidationError("logger", "must be a pino logger");
  const schedulePollIntervalMs = timerMs(options.schedulePollIntervalMs ?? 1000, "schedulePollIntervalMs");
  return {
    logger,
    defaults: jobDefaults(options.defaults),
    payloadLimits: payloadLimits(options.payloadLimits),
    schedulePollIntervalMs,
    retention: resolveRetention(options.retention),
    migrate,
  };
}

function jobDefaults(given: ErrandOptions["defaults"]): JobDefaults {
  const defaults = knownOptions(given, JOB_DEFAULT_OPTION_KEYS, "defaults");
  try {
    return resolveDefaults(DEFAULT_JOB_DEFAULTS, defaults);
  } catch (error) {
    throw error instanceof ValidationError ? error.under("defaults.") : error;
  }
}

function payloadLimits(given: Partial<PayloadLimits> | undefined): PayloadLimits {
  const limits = knownOptions(given, PAYLOAD_LIMIT_KEYS, "payloadLimits");
  const resolved = { ...DEFAULT_PAYLOAD_LIMITS, ...definedOnly(limits) };
  for (const key of ["maxBytes", "maxDepth"] as const) {
    if (!Number.isSafeInteger(resolved[key]) || resolved[key] < 1) throw new ValidationError(`payloadLimits.${key}`, "must be a positive integer");
  }
  return resolved;
}
