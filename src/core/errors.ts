import { MAX_DELAY_MS } from "./max-delay.js";

/**
 * Marks Errand's errors across copies of Errand: a handler module may import its PermanentError
 * from the app's own install while a global or other install's worker runs it, and `instanceof`
 * knows one copy's classes only. Symbol.for is one symbol per process.
 */
const ERRAND_ERROR = Symbol.for("errand.error");

/** Every error Errand raises on purpose carries a stable machine-readable `code`. */
export class ErrandError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, ERRAND_ERROR, { value: true });
  }
}

/** An Errand error's code, whichever copy of Errand threw it; null for any other value. */
export function errandCodeOf(error: unknown): string | null {
  if (error instanceof ErrandError) return error.code;
  const marked = typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[ERRAND_ERROR] === true;
  return marked && typeof (error as { code?: unknown }).code === "string" ? (error as { code: string }).code : null;
}

/**
 * A field's path one level down, as errors name fields: `nodes.encode`, an index or a numeric
 * key in brackets (`jobs[2]`), an empty key as `nodes[""]` (`nodes.` would name nothing).
 */
export function fieldPath(parent: string, key: string): string {
  if (/^\d+$/.test(key)) return `${parent}[${key}]`;
  if (key === "") return `${parent}[""]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * Bad input from the caller; `field` names the offending option or payload path. `mentions`
 * lists the other option names `detail` quotes as words (e.g. `delayMs`), so that an API
 * spelling options differently (HTTP's `delay_ms`) can rename them in the message too.
 */
export class ValidationError extends ErrandError {
  constructor(
    readonly field: string,
    readonly detail: string,
    readonly mentions: readonly string[] = [],
  ) {
    super("invalid_input", `${field}: ${detail}`);
  }

  /**
   * `detail` with each option name it mentions spelled as `rename` says (an API's own name for
   * it: HTTP's `delay_ms`, the CLI's `--delay`), or left as it is where `rename` gives undefined.
   */
  detailRenamed(rename: (option: string) => string | undefined): string {
    return this.mentions.reduce((text, option) => {
      const renamed = rename(option);
      return renamed === undefined ? text : text.replace(new RegExp(`\\b${option.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "g"), () => renamed);
    }, this.detail);
  }

  /** The same error for a field nested under `prefix` (e.g. the i-th item of a batch). */
  under(prefix: string): ValidationError {
    return new ValidationError(`${prefix}${this.field}`, this.detail, this.mentions);
  }
}

export class JobNotFoundError extends ErrandError {
  constructor(readonly jobId: string) {
    super("not_found", `job ${jobId} does not exist`);
  }
}

/** No flow or batch with that id (it never existed, or retention deleted it). */
export class RecordNotFoundError extends ErrandError {
  constructor(
    readonly kind: "flow" | "batch",
    readonly id: string,
  ) {
    super("not_found", `${kind} ${id} does not exist`);
  }
}

export class ScheduleNotFoundError extends ErrandError {
  constructor(readonly scheduleName: string) {
    super("not_found", `schedule "${scheduleName}" does not exist`);
  }
}

/** The job is in a state that does not allow the requested change (e.g. cancel a completed job). */
export class JobStateConflictError extends ErrandError {
  constructor(
    readonly jobId: string,
    readonly state: string,
    action: string,
  ) {
    super("conflict", `cannot ${action} job ${jobId}: it is ${state}`);
  }
}

/**
 * The store could not be reached, or the connection to it was lost. `outcome` is what a write
 * that failed so did, where the store can tell (inserts outside a caller's transaction, and
 * PostgreSQL's own transactions: a flow, a batch):
 * `not_written` when the connection was refused before anything was sent, `unknown` when it
 * was lost once the write may have reached the server, which may have committed it before its
 * reply was lost. Undefined where the store does not say (reads, and other writes).
 */
export class StoreUnavailableError extends ErrandError {
  readonly outcome: WriteOutcome | undefined;

  constructor(message: string, options?: { cause?: unknown; outcome?: WriteOutcome }) {
    super("store_unavailable", message);
    if (options?.cause !== undefined) this.cause = options.cause;
    this.outcome = options?.outcome;
  }
}

/**
 * A call on an Errand (or a Store) after close() closed it: nothing was read or written. Named
 * so that a late call (a request still arriving while a process shuts down, say) reads as what
 * it is, not as the driver's "connection is not open" or "pool after calling end".
 */
export class ClosedError extends ErrandError {
  constructor(what: string) {
    super("closed", `${what} is closed: close() was called; connect again to use it`);
  }
}

/** What a write that failed with StoreUnavailableError did (see there). */
export type WriteOutcome = "not_written" | "unknown";

/** The feature needs a store that offers it (e.g. transactional completion needs PostgreSQL). */
export class UnsupportedByStoreError extends ErrandError {
  constructor(feature: string, backend: string) {
    super("unsupported_by_store", `${feature} is not available on the ${backend} store; it needs PostgreSQL`);
  }
}

/** The database was migrated by a newer Errand than this one; running against it would be unsafe. */
export class SchemaTooNewError extends ErrandError {
  constructor(found: number, known: number) {
    super(
      "schema_too_new",
      `the database schema is at version ${found}, but this Errand knows only up to ${known}; upgrade Errand`,
    );
  }
}

/** The database's schema is older than this Errand needs, and connecting was told not to migrate it. */
export class SchemaBehindError extends ErrandError {
  constructor(
    readonly found: number,
    readonly needed: number,
    /** What to do, as the message ends: the CLI adds that the same --database must be given. */
    howToMigrate = "run `errand migrate` first",
  ) {
    super(
      "schema_behind",
      found === 0
        ? `the database has no Errand schema yet (this Errand needs version ${needed}); ${howToMigrate}`
        : `the database schema is at version ${found}, but this Errand needs version ${needed}; ${howToMigrate}`,
    );
  }
}

// ---- Signals a handler throws to choose its job's outcome -------------------------------

/** Throw from a handler to fail the job now, skipping the attempts it has left. */
export class PermanentError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("permanent_failure", message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Throw from a handler to run the job again after `delayMs` without using up an attempt. */
export class SnoozeJob extends ErrandError {
  constructor(readonly delayMs: number) {
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS)
      throw new ValidationError("SnoozeJob delayMs", `must be an integer from 0 to ${MAX_DELAY_MS} (100 years), not ${String(delayMs)}`);
    super("snoozed", `snoozed for ${delayMs} ms`);
  }
}

/**
 * Throw from a handler when a service it calls refused for now (an HTTP 429 or 503 with
 * Retry-After): the job runs again after `retryAfterMs` without using up an attempt, as with
 * SnoozeJob, but says why. `retryAfterMs(response.headers.get("retry-after"))` reads the header.
 */
export class RateLimitedError extends ErrandError {
  readonly retryAfterMs: number;
  constructor(options: { retryAfterMs: number; message?: string }) {
    // Checked as JavaScript callers may call it too: without options, or with a header's text.
    const retryAfterMs: unknown = options?.retryAfterMs;
    if (!Number.isInteger(retryAfterMs) || (retryAfterMs as number) < 0 || (retryAfterMs as number) > MAX_DELAY_MS)
      throw new ValidationError("RateLimitedError retryAfterMs", `must be an integer from 0 to ${MAX_DELAY_MS} (100 years), not ${String(retryAfterMs)}`);
    super("rate_limited", options.message ?? `rate-limited; retry after ${retryAfterMs as number} ms`);
    this.retryAfterMs = retryAfterMs as number;
  }
}

/** Throw from a handler to end its job as `canceled` (no retry, not a failure). */
export class CancelJob extends ErrandError {
  constructor(reason = "canceled by its handler") {
    super("canceled", reason);
  }
}

// ---- Reasons a running handler's AbortSignal fires ---------------------------------------

export class JobTimeoutError extends ErrandError {
  constructor(timeoutMs: number) {
    super("timeout", `job timed out after ${timeoutMs} ms`);
  }
}

export class JobCanceledError extends ErrandError {
  constructor() {
    super("canceled", "job was canceled while running");
  }
}

/** The worker no longer holds the job's lease (it expired, or the job was taken elsewhere). */
export class LeaseLostError extends ErrandError {
  constructor(code = "lease_lost", message = "this worker no longer holds the job's lease") {
    super(code, message);
  }
}

/**
 * The worker could not extend the job's lease in time (the store unreachable, or the heartbeat
 * too slow): the lease may run out, and the job be handed to another worker. A LeaseLostError,
 * as far as a handler need know; what the handler then returns or throws is still stored if the
 * lease turns out to be held.
 */
export class LeaseLapsedError extends LeaseLostError {
  constructor() {
    super("lease_lapsed", "this worker could not extend the job's lease in time; another worker may run the job soon");
  }
}

export class WorkerShutdownError extends ErrandError {
  constructor() {
    super("shutdown", "worker is shutting down; job returned to the queue");
  }
}
