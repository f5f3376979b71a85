import { DEFAULT_BACKOFF, validateBackoff, type BackoffPolicy } from "./backoff.js";
import { MAX_DELAY_MS } from "./max-delay.js";
import { ValidationError } from "./errors.js";
import { STANDALONE_JOB, type NewJob } from "./job.js";
import { definedOnly, knownOptions, rejectUnknownKeys } from "./option-keys.js";
import { serializePayload, type PayloadLimits } from "./payload.js";

/**
 * A caller's database connection with a transaction open: on PostgreSQL, a `pg` Client or
 * PoolClient after BEGIN. Described by shape so that the core depends on no driver.
 */
export interface TransactionClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** The store passes its own type parsers (`types`), whatever the caller's client uses. */
  query(config: { text: string; values?: unknown[]; types?: unknown }): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

/** Per-job options; each overrides the job type's default. */
export interface EnqueueOptions {
  queue?: string;
  /** Higher runs first. Integer; default 0. */
  priority?: number;
  /** Run no earlier than this many ms from now (by the store's clock). */
  delayMs?: number;
  /** Run no earlier than this time. Exclusive with `delayMs`. */
  runAt?: Date;
  maxAttempts?: number;
  /** Abort the handler after this long; null for no limit. */
  timeoutMs?: number | null;
  /** Enqueueing the same key again returns the existing job and creates nothing. */
  idempotencyKey?: string;
  backoff?: Partial<BackoffPolicy>;
  /**
   * PostgreSQL only: enqueue inside the caller's own open transaction (a `pg` Client or
   * PoolClient after BEGIN). The job exists only if that transaction commits — the outbox
   * answer to "the user was created but the email job was lost". No `enqueued` event is
   * emitted for it, since it may yet be rolled back; workers hear of it when it commits.
   */
  tx?: TransactionClient;
  /** Carried on the job into its log lines, e.g. the id of the HTTP request that enqueued it. 1–128 characters. */
  correlationId?: string;
  /** An http(s) URL `errand serve` POSTs the job to once it ends (signed; see the README, "Webhooks"). */
  webhookUrl?: string;
  /**
   * Jobs sharing a group key run one at a time in enqueue order (FIFO per key), or up to
   * `groupConcurrency` at once, while other groups proceed in parallel. 1–255 characters.
   */
  groupKey?: string;
  /** Most jobs of this job's group running at once, across the cluster. Needs `groupKey`; default 1. */
  groupConcurrency?: number;
}

/** The defaults a job type (or the whole Errand instance) supplies. */
export interface JobDefaults {
  queue: string;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  backoff: BackoffPolicy;
}

/** The options a job type, the connection's `defaults` and a schedule may set for their jobs. */
export const JOB_DEFAULT_KEYS = ["queue", "priority", "maxAttempts", "timeoutMs", "backoff"] as const;
export type JobDefaultOptions = Pick<EnqueueOptions, (typeof JOB_DEFAULT_KEYS)[number]>;
const ENQUEUE_OPTION_KEYS: ReadonlySet<string> = new Set<string>([
  ...JOB_DEFAULT_KEYS, "delayMs", "runAt", "idempotencyKey", "tx", "correlationId", "webhookUrl", "groupKey", "groupConcurrency",
]);
const BACKOFF_KEYS: ReadonlySet<string> = new Set(["baseMs", "maxMs", "jitter"]);

export const DEFAULT_JOB_DEFAULTS: JobDefaults = {
  queue: "default",
  priority: 0,
  maxAttempts: 3,
  timeoutMs: null,
  backoff: DEFAULT_BACKOFF,
};

/** A job type, queue, schedule or flow node name; the HTTP schemas use the same pattern and wording. */
export const NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;
/** What NAME accepts, in words: error messages say "must be " + NAME_RULE. */
export const NAME_RULE = "1–128 characters of ASCII letters, digits and _ . : / -";
const MAX_PRIORITY = 2 ** 31 - 1;

export function validateName(value: unknown, field: string): string {
  if (typeof value !== "string" || !NAME.test(value))
    throw new ValidationError(field, `must be ${NAME_RULE}`);
  return value;
}

function validateInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  return value;
}

/** Checks the options a job type declares, so a mistake surfaces at `define`, not at enqueue. */
export function resolveDefaults(base: JobDefaults, overrides: Partial<EnqueueOptions>): JobDefaults {
  if (overrides.queue === undefined && overrides.priority === undefined && overrides.maxAttempts === undefined &&
      overrides.timeoutMs === undefined && overrides.backoff === undefined) {
    return base; // the common case on the enqueue hot path
  }
  const queue = overrides.queue === undefined ? base.queue : validateName(overrides.queue, "queue");
  const priority =
    overrides.priority === undefined
      ? base.priority
      : validateInt(overrides.priority, "priority", -MAX_PRIORITY, MAX_PRIORITY);
  const maxAttempts =
    overrides.maxAttempts === undefined
      ? base.maxAttempts
      : validateInt(overrides.maxAttempts, "maxAttempts", 1, 1000);
  const timeoutMs =
    overrides.timeoutMs === undefined
      ? base.timeoutMs
      : overrides.timeoutMs === null
        ? null
        : validateInt(overrides.timeoutMs, "timeoutMs", 1, 2 ** 31 - 1);
  const backoff =
    overrides.backoff === undefined
      ? base.backoff
      : validateBackoff({ ...base.backoff, ...backoffOverrides(overrides.backoff) }, "backoff");
  return { queue, priority, maxAttempts, timeoutMs, backoff };
}

function backoffOverrides(value: Partial<BackoffPolicy>): Partial<BackoffPolicy> {
  const backoff = knownOptions(value, BACKOFF_KEYS, "backoff");
  return definedOnly(backoff);
}

/** Turns a typed enqueue call into the validated row a store inserts. Throws ValidationError. */
export function resolveNewJob(
  type: string,
  payload: unknown,
  options: EnqueueOptions,
  defaults: JobDefaults,
  limits: PayloadLimits,
): NewJob {
  validateName(type, "type");
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new ValidationError("options", "must be an object");
  rejectUnknownKeys(options, ENQUEUE_OPTION_KEYS);
  const resolved = resolveDefaults(defaults, options);
  if (options.delayMs !== undefined && options.runAt !== undefined)
    throw new ValidationError("runAt", "give either delayMs or runAt, not both", ["delayMs", "runAt"]);
  const delayMs =
    options.delayMs === undefined ? 0 : validateInt(options.delayMs, "delayMs", 0, MAX_DELAY_MS);
  let runAt: Date | null = null;
  if (options.runAt !== undefined) {
    if (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime()))
      throw new ValidationError("runAt", "must be a valid Date");
    // As far as delayMs may reach, either way: a Date of the year 275760 is valid, and no store keeps it.
    if (Math.abs(options.runAt.getTime() - Date.now()) > MAX_DELAY_MS)
      throw new ValidationError("runAt", "must be within 100 years of now");
    runAt = options.runAt;
  }
  let idempotencyKey: string | null = null;
  if (options.idempotencyKey !== undefined) {
    idempotencyKey = validateText(options.idempotencyKey, "idempotencyKey", 255);
  }
  // Checked in this order, so the first error reported stays the same; one literal without
  // spreads, since it is built for every job enqueued.
  const strings = optionalStrings(options);
  const text = serializePayload(payload, limits);
  const group = groupOf(options);
  return {
    type,
    correlationId: strings.correlationId,
    webhookUrl: strings.webhookUrl,
    queue: resolved.queue,
    payload: text,
    priority: resolved.priority,
    runAt,
    delayMs,
    maxAttempts: resolved.maxAttempts,
    timeoutMs: resolved.timeoutMs,
    backoff: resolved.backoff,
    idempotencyKey,
    groupKey: group.groupKey,
    groupLimit: group.groupLimit,
    flowId: STANDALONE_JOB.flowId,
    flowNode: STANDALONE_JOB.flowNode,
    parentsWaiting: STANDALONE_JOB.parentsWaiting,
    onParentFailure: STANDALONE_JOB.onParentFailure,
    batchId: STANDALONE_JOB.batchId,
  };
}

function groupOf(options: EnqueueOptions): Pick<NewJob, "groupKey" | "groupLimit"> {
  if (options.groupKey === undefined) {
    if (options.groupConcurrency !== undefined) throw new ValidationError("groupConcurrency", "needs a group key");
    return { groupKey: null, groupLimit: null };
  }
  const groupKey = validateText(options.groupKey, "groupKey", 255);
  const groupLimit =
    options.groupConcurrency === undefined ? 1 : validateInt(options.groupConcurrency, "groupConcurrency", 1, 10_000);
  return { groupKey, groupLimit };
}

/** The per-job strings that only some jobs carry; null when the caller gave none. */
function optionalStrings(options: EnqueueOptions): Pick<NewJob, "correlationId" | "webhookUrl"> {
  const result: Pick<NewJob, "correlationId" | "webhookUrl"> = { correlationId: null, webhookUrl: null };
  if (options.correlationId !== undefined) {
    result.correlationId = validateText(options.correlationId, "correlationId", 128);
  }
  if (options.webhookUrl !== undefined) result.webhookUrl = validateWebhookUrl(options.webhookUrl);
  return result;
}

/**
 * A key or label the caller chooses: 1–`max` characters, none of them NUL (U+0000), which
 * PostgreSQL's text cannot hold, nor a lone surrogate (half of a UTF-16 pair), which UTF-8
 * cannot encode: PostgreSQL would store U+FFFD instead, so the key read back would differ from
 * the one given. Both are refused here, so every store takes the same keys.
 */
/** Characters are counted as code points: an emoji is one, not the two UTF-16 units JavaScript counts. */
function validateText(value: unknown, field: string, max: number): string {
  if (typeof value !== "string" || value.length === 0 || codePoints(value, max) > max || holdsNulOrLoneSurrogate(value))
    throw new ValidationError(field, `must be a string of 1–${max} characters, none of them NUL (U+0000) or a lone surrogate`);
  return value;
}

/** `text`'s length in code points, counted no further than past `max`. */
function codePoints(text: string, max: number): number {
  if (text.length <= max) return text.length;
  let count = 0;
  for (const _ of text) if (++count > max) break;
  return count;
}

/** Whether `text` holds NUL (U+0000) or a lone surrogate: what PostgreSQL's text and JSON parser refuse. */
export function holdsNulOrLoneSurrogate(text: string): boolean {
  return text.includes("\u0000") || LONE_SURROGATE.test(text);
}

/** With the `u` flag a surrogate pair is one code point, so this matches only an unpaired half. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function validateWebhookUrl(value: unknown): string {
  let url: URL | null = null;
  if (typeof value === "string" && value.length <= 2048) {
    try {
      url = new URL(value);
    } catch {
      url = null;
    }
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password)
    throw new ValidationError("webhookUrl", "must be an http or https URL of at most 2048 characters, without credentials");
  return url.href;
}
