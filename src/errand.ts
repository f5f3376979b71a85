import { listQueues, setQueuePaused, type QueueOverview } from "./client/queue-overview.js";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { BatchClient, type EnqueueBatchOptions, type EnqueuedBatch } from "./client/batch-client.js";
import { JobEventBus } from "./client/event-bus.js";
import { FlowClient, type CheckedFlowNodes, type EnqueueFlowOptions, type FlowNodeRequest } from "./client/flow-client.js";
import { JobClient, type EnqueueManyOptions, type EnqueueOutcome, type CancelJobsOptions, type ListJobsOptions, type RetryJobsOptions } from "./client/job-client.js";
import { JOB_TYPE_OPTION_KEYS, type CheckedRequests, type EnqueueRequest, type JobDefinition, type JobTypeOptions } from "./client/job-definition.js";
import { ScheduleClient, type ScheduleRequest } from "./client/schedule-client.js";
import { resolveDefaults, validateName, type EnqueueOptions, type JobDefaults } from "./core/enqueue-options.js";
import type { Batch, BatchSummary } from "./core/batch.js";
import { ClosedError, ValidationError } from "./core/errors.js";
import type { JobEventListener, JobEventName } from "./core/events.js";
import { LIMIT_OPTION_KEYS, queueLimit, typeLimit, validateLimitOptions, type ClaimLimit, type LimitOptions } from "./core/limits.js";
import { validateBatchOptions } from "./core/batch-handler.js";
import { knownOptions } from "./core/option-keys.js";
import type { Flow } from "./core/flow.js";
import type { Job, JobId } from "./core/job.js";
import type { JsonJobTypes, PayloadArg } from "./core/json-types.js";
import type { PayloadLimits } from "./core/payload.js";
import type { Schedule, ScheduleOptions } from "./core/schedule.js";
import { CronScheduler } from "./scheduler/cron-scheduler.js";
import type { RetentionPolicy } from "./core/retention.js";
import { RetentionSweeper } from "./scheduler/retention-sweeper.js";
import { migrateDatabase, openStore } from "./store/connect.js";
import { resolveErrandOptions, type ErrandOptions, type ResolvedErrandOptions } from "./errand-options.js";
import type { MigrationReport } from "./store/migration-files.js";
import type { BackgroundErrorHandler, JobPage, Store } from "./store/store.js";
import { errandLogger } from "./log-level.js";
import { Worker, type TypeHandler } from "./worker/worker.js";
import { badCloseOptions, type WorkerOptions } from "./worker/worker-options.js";

const NO_LIMITS: readonly ClaimLimit[] = Object.freeze([]);

const defaultLogger = () => errandLogger("warn", "stderr");

/**
 * The library's front door: define job types, enqueue jobs, work them. One instance per
 * process and store; `close()` stops its workers and closes the store.
 */
export class Errand {
  private readonly events: JobEventBus;
  private readonly client: JobClient;
  private readonly flows: FlowClient;
  private readonly batches: BatchClient;
  private readonly schedules: ScheduleClient;
  private readonly schedulePollIntervalMs: number;
  private scheduler: CronScheduler | null = null;
  private readonly definitions = new Map<string, JobDefinition<any, any>>();
  /** Rate limits and concurrency caps declared in this process, by key; workers enforce them when they claim. */
  private readonly limits = new Map<string, ClaimLimit>();
  /** The largest batch size of the batch types handled here, by queue (see WorkerDeps.jobsPerSlot). */
  private readonly batchSizes = new Map<string, number>();
  /** How this process's workers run each type it has a handler for. */
  private readonly typeHandlers = new Map<string, TypeHandler>();
  private readonly workers = new Set<Worker>();
  private readonly defaults: JobDefaults;
  private readonly payloadLimits: PayloadLimits;
  private readonly retention: RetentionPolicy | null;
  private sweeper: RetentionSweeper | null = null;
  private closing: Promise<void> | null = null;
  readonly logger: Logger;

  private constructor(
    readonly store: Store,
    options: ResolvedErrandOptions & { logger: Logger },
  ) {
    this.logger = options.logger;
    this.events = new JobEventBus((error) => this.logger.error({ err: error }, "an event listener threw"));
    this.defaults = options.defaults;
    this.payloadLimits = options.payloadLimits;
    this.retention = options.retention;
    const limitedQueueOf = (type: string) => this.limits.get(`type:${type}`)?.queue ?? null;
    this.client = new JobClient(
      store,
      this.events,
      (type) => this.definitions.get(type)?.defaults ?? this.defaults,
      this.payloadLimits,
      (job) => {
        for (const worker of this.workers) {
          const slot = worker.reserveSlotFor(job);
          if (slot !== null) return slot;
        }
        return null;
      },
      limitedQueueOf,
    );
    this.flows = new FlowClient(store, this.client);
    this.batches = new BatchClient(store, this.client);
    this.schedules = new ScheduleClient(store, (type) => this.definitions.get(type)?.defaults ?? this.defaults, this.payloadLimits, limitedQueueOf);
    this.schedulePollIntervalMs = options.schedulePollIntervalMs;
  }

  /**
   * Opens the store named by `database` (`sqlite:./errand.db`, or an already-open Store) and
   * brings its schema up to date. Default: ERRAND_DATABASE_URL, else `sqlite:./errand.db`.
   */
  static async connect(
    database: string | Store = process.env.ERRAND_DATABASE_URL ?? "sqlite:./errand.db",
    given?: ErrandOptions,
  ): Promise<Errand> {
    // Every option is checked before the store is opened: a bad one leaves nothing open behind.
    const options = resolveErrandOptions(given);
    const { migrate } = options;
    if (typeof database !== "string" && !isStore(database))
      throw new ValidationError("database", "must be a connection string (sqlite:./errand.db, postgres://…) or a Store");
    // A Store passed in was opened, and so migrated or checked, by whoever opened it.
    const logger = options.logger ?? defaultLogger();
    // Dropped connections are recovered from without anyone waiting on them; logged, an outage
    // shows where it began, not only as the failures of whatever ran next. (A Store passed in
    // reports to whatever its opener gave openStore.)
    const onBackgroundError: BackgroundErrorHandler = (error, source) =>
      logger.warn({ err: error, source }, `store error in the background (${source}); recovering by itself`);
    const store = typeof database === "string" ? await openStore(database, { migrate, onBackgroundError }) : database;
    if (typeof database !== "string" && migrate) await store.migrate();
    return new Errand(store, { ...options, logger });
  }

  /**
   * Applies the migrations the store named by `database` lacks, then disconnects: for a deploy
   * step when processes connect with `migrate: false`. Safe to run from several places at once.
   */
  static migrate(database: string = process.env.ERRAND_DATABASE_URL ?? "sqlite:./errand.db"): Promise<MigrationReport> {
    return migrateDatabase(database);
  }

  /**
   * Declares a job type. Its payload and result types flow from the handler into `enqueue`:
   * `define("send-email", { handler: async (p: { to: string }) => ... })`. A producer that does
   * not run the handler can declare the types alone: `define<{ to: string }, void>("send-email")`.
   * With `batch: { size, maxWaitMs }` and a `batchHandler` instead, up to `size` jobs go to one
   * call, `(payloads, ctx) => outcomes`, each job still completing or failing on its own.
   */
  define<Payload = unknown, Result = unknown>(
    type: string,
    options?: JobTypeOptions<Payload, Result> & JsonJobTypes<Payload, Result>,
  ): JobDefinition<Payload, Result> {
    validateName(type, "type");
    if (this.definitions.has(type)) throw new ValidationError("type", `"${type}" is already defined`);
    const given: JobTypeOptions<Payload, Result> = options ?? {};
    knownOptions(given, JOB_TYPE_OPTION_KEYS);
    const { handler, batch, batchHandler, rateLimit, concurrencyLimit, ...overrides } = given;
    if (handler !== undefined && typeof handler !== "function") throw new ValidationError("handler", "must be a function");
    if (handler !== undefined && (batch !== undefined || batchHandler !== undefined))
      throw new ValidationError("handler", "a job type has either a handler or a batch with a batchHandler, not both");
    if ((batch === undefined) !== (batchHandler === undefined))
      throw new ValidationError(batch === undefined ? "batch" : "batchHandler", "batch and batchHandler go together");
    if (batchHandler !== undefined && typeof batchHandler !== "function") throw new ValidationError("batchHandler", "must be a function");
    const definition: JobDefinition<Payload, Result> = {
      type,
      defaults: resolveDefaults(this.defaults, overrides),
      handler: handler ?? null,
      batch: batchHandler === undefined ? null : { ...validateBatchOptions(batch), handler: batchHandler },
      enqueue: (payload, enqueueOptions) => this.enqueue(definition, payload, enqueueOptions),
      request: (payload, enqueueOptions) => ({ type: definition, payload, options: enqueueOptions }),
    };
    const limits = validateLimitOptions({ rateLimit, concurrencyLimit });
    this.definitions.set(type, definition);
    if (limits.rateLimit || limits.concurrencyLimit) this.limits.set(`type:${type}`, typeLimit(type, definition.defaults.queue, limits));
    const typeHandler = typeHandlerOf(definition as JobDefinition<unknown, unknown>);
    if (typeHandler !== null) this.typeHandlers.set(type, typeHandler);
    // A type defined again may have left its queue, or its batch: counted from every definition.
    this.batchSizes.clear();
    for (const [name, handler] of this.typeHandlers)
      if (handler.kind === "batch") {
        const queue = this.definitions.get(name)!.defaults.queue;
        this.batchSizes.set(queue, Math.max(this.batchSizes.get(queue) ?? 1, handler.size));
      }
    return definition;
  }

  /**
   * Limits every job of `queue`, across every process working it: at most `rateLimit.max`
   * starts per `rateLimit.intervalMs`, and/or at most `concurrencyLimit` running at once.
   * Every process that works the queue must declare the same limits (put them next to your
   * `define` calls). Declaring a queue again replaces its limits.
   */
  limitQueue(queue: string, options: LimitOptions): void {
    validateName(queue, "queue");
    const given = knownOptions(options, LIMIT_OPTION_KEYS);
    const limits = validateLimitOptions(given);
    if (!limits.rateLimit && !limits.concurrencyLimit)
      throw new ValidationError("limitQueue", "give a rateLimit, a concurrencyLimit or both");
    this.limits.set(`queue:${queue}`, queueLimit(queue, limits));
  }

  /** Enqueues one job; resolves once it is committed to the store. */
  enqueue<Payload, Result>(
    type: JobDefinition<Payload, Result>,
    payload: NoInfer<PayloadArg<Payload>>,
    options?: EnqueueOptions,
  ): Promise<Job<Payload, Result>>;
  enqueue(type: string, payload: PayloadArg<unknown>, options?: EnqueueOptions): Promise<Job>;
  enqueue(type: string | JobDefinition<unknown, unknown>, payload: PayloadArg<unknown>, options?: EnqueueOptions): Promise<Job> {
    return this.client.enqueue({ type, payload, options });
  }

  /**
   * Enqueues all requests in one transaction: all are committed, or none (and it throws). With
   * `{ tx }` (PostgreSQL), that transaction is the caller's, as for one enqueue.
   */
  enqueueMany<T extends EnqueueRequest<any, any>[]>(requests: T & NoInfer<CheckedRequests<T>>, options?: EnqueueManyOptions): Promise<Job[]> {
    return this.client.enqueueMany(requests, options);
  }

  /**
   * `enqueueMany`, also telling for each job whether it was created now or already existed
   * under its idempotency key (what an HTTP API answers with 202 versus 200).
   */
  enqueueManyWithOutcome<T extends EnqueueRequest<any, any>[]>(
    requests: T & NoInfer<CheckedRequests<T>>,
    options?: EnqueueManyOptions,
  ): Promise<EnqueueOutcome[]> {
    return this.client.enqueueManyWithOutcome(requests, options);
  }

  /** The queues of the job types this process has handlers for, sorted: what its workers should take from. */
  handledQueues(): string[] {
    const queues = new Set([...this.typeHandlers.keys()].map((type) => this.definitions.get(type)!.defaults.queue));
    return [...queues].sort();
  }

  /**
   * Jobs this process's workers hold now: running their handlers, storing their outcome, or
   * claimed and about to start (Worker.running, summed over every worker `work()` started).
   */
  get runningJobs(): number {
    let running = 0;
    for (const worker of this.workers) running += worker.running;
    return running;
  }

  /** Whether `type` was declared with `define` in this process (with or without a handler). */
  definesType(type: string): boolean {
    return this.definitions.has(type);
  }

  getJob(id: JobId): Promise<Job | null> {
    return this.client.getJob(id);
  }

  listJobs(options?: ListJobsOptions): Promise<JobPage> {
    return this.client.listJobs(options);
  }

  /** Every queue with its job counts per state and whether it is paused, by name. */
  listQueues(): Promise<QueueOverview[]> {
    return listQueues(this.store);
  }

  /**
   * Stops every worker, in every process on this store, from taking `queue`'s jobs until
   * resumeQueue; jobs already claimed run on. Idempotent; a queue with no jobs may be paused.
   */
  pauseQueue(queue: string): Promise<void> {
    return setQueuePaused(this.store, queue, true);
  }

  /** Lets workers take a paused queue's jobs again, waking idle ones at once. Idempotent. */
  resumeQueue(queue: string): Promise<void> {
    return setQueuePaused(this.store, queue, false);
  }

  /** Cancels a job that has not ended. A running handler's AbortSignal fires. */
  cancelJob(id: JobId): Promise<Job> {
    return this.client.cancelJob(id);
  }

  /** Replays a `failed` or `canceled` job (from the dead-letter set); its history is kept. */
  retryJob(id: JobId): Promise<Job> {
    return this.client.retryJob(id);
  }

  /**
   * Replays the dead-letter set (or canceled jobs) a page at a time, newest first; filter by
   * `type` and `queue`. Call again with the returned `nextCursor` until it is null to replay
   * every job that was there: a replayed job that fails again is not visited twice.
   */
  retryJobs(options?: RetryJobsOptions): Promise<JobPage> {
    return this.client.retryJobs(options);
  }

  /**
   * Cancels the jobs in `state` (pending, scheduled, retrying, blocked or running) a page at a
   * time, newest first; filter by `type` and `queue`. Call again with the returned `nextCursor`
   * until it is null to cancel every job that was there. Running handlers' signals fire, as for
   * cancelJob. To stop new jobs being taken meanwhile, pause the queue first.
   */
  cancelJobs(options: CancelJobsOptions): Promise<JobPage> {
    return this.client.cancelJobs(options);
  }

  /**
   * Enqueues a graph of jobs in one transaction. Each node names the nodes it waits for
   * (`after`); it runs once they all completed and reads their results with `ctx.parents()`.
   * A failed or canceled parent cancels the nodes below it unless they `continue`. Bad names,
   * unknown parents and cycles throw ValidationError before anything is written.
   */
  enqueueFlow<N extends Record<string, FlowNodeRequest>>(nodes: N & NoInfer<CheckedFlowNodes<N>>, options?: EnqueueFlowOptions): Promise<Flow> {
    return this.flows.enqueueFlow(nodes, options);
  }

  /** A flow's state and every node's job; null if there is no such flow. */
  getFlow(id: string): Promise<Flow | null> {
    return this.flows.getFlow(id);
  }

  /** Cancels every node of the flow that has not ended (running handlers are aborted). */
  cancelFlow(id: string): Promise<Flow> {
    return this.flows.cancelFlow(id);
  }

  /**
   * Enqueues jobs as a batch, in one transaction, with an `onComplete` job that runs once after
   * every member ended; its payload receives `{ batchId, completed, failed, canceled }`.
   */
  enqueueBatch<Payload extends BatchSummary, Result, T extends EnqueueRequest<any, any>[] = EnqueueRequest<any, any>[]>(
    requests: T & NoInfer<CheckedRequests<T>>,
    options: EnqueueBatchOptions<Payload, Result>,
  ): Promise<EnqueuedBatch> {
    return this.batches.enqueueBatch(requests, options);
  }

  /** A batch's counts so far; null if there is no such batch. */
  getBatch(id: string): Promise<Batch | null> {
    return this.batches.getBatch(id);
  }

  /**
   * Creates or redefines the cron schedule `name`: every tick of `cron` (5 fields, or 6 with
   * seconds first) in `timezone` (default UTC) enqueues one job of `type` with `payload`,
   * however many processes run. Saving it again unchanged (as every process may at start)
   * keeps its next tick. Ticks missed during downtime follow `misfire` (default: one catch-up
   * run for the most recent). Schedules fire in processes that called `work()`.
   */
  schedule<Payload, Result>(
    name: string,
    cron: string,
    request: ScheduleOptions & { type: JobDefinition<Payload, Result>; payload: Payload },
  ): Promise<Schedule<Payload>>;
  schedule(name: string, cron: string, request: ScheduleOptions & { type: string; payload?: unknown }): Promise<Schedule>;
  schedule(name: string, cron: string, request: ScheduleRequest): Promise<Schedule> {
    return this.schedules.save(name, cron, request);
  }

  getSchedule(name: string): Promise<Schedule | null> {
    return this.schedules.get(name);
  }

  /** Every schedule, by name. */
  listSchedules(): Promise<Schedule[]> {
    return this.schedules.list();
  }

  /** Stops a schedule enqueueing until resumed. Throws ScheduleNotFoundError. */
  pauseSchedule(name: string): Promise<Schedule> {
    return this.schedules.pause(name);
  }

  /** Resumes from the first tick after now (ticks that passed while paused are not run). */
  resumeSchedule(name: string): Promise<Schedule> {
    return this.schedules.resume(name);
  }

  /** Deletes a schedule; jobs it already enqueued stay. Throws ScheduleNotFoundError. */
  removeSchedule(name: string): Promise<void> {
    return this.schedules.remove(name);
  }

  /** Listens to lifecycle events of jobs enqueued or run by this process. Returns an unsubscribe function. */
  on<K extends JobEventName>(name: K, listener: JobEventListener<K>): () => void {
    return this.events.on(name, listener);
  }

  /**
   * Starts a worker that runs this process's handlers until `close()`. The first call also
   * starts the cron scheduler that enqueues the jobs of due schedules, and retention (see
   * ErrandOptions.retention).
   */
  work(options: WorkerOptions = {}): Worker {
    const worker = this.workerOnly(options);
    if (this.retention !== null && this.sweeper === null) {
      const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
      this.sweeper = new RetentionSweeper({ store: this.store, logger: this.logger, policy: this.retention, holder });
    }
    this.scheduler ??= new CronScheduler({
      store: this.store,
      events: this.events,
      logger: this.logger,
      intervalMs: this.schedulePollIntervalMs,
    });
    return worker;
  }

  /**
   * A worker alone, without the cron scheduler and retention that `work` starts: what
   * `drainQueue` runs, so that schedules do not go on firing into a test after its drain.
   * @internal
   */
  workerOnly(options: WorkerOptions = {}): Worker {
    if (this.closing) throw new ClosedError("this Errand");
    const worker = new Worker(
      {
        store: this.store,
        events: this.events,
        logger: this.logger,
        payloadLimits: this.payloadLimits,
        handlerFor: (type) => this.typeHandlers.get(type) ?? null,
        // Asked at every claim and job ending: without limits (the common case) nothing is built.
        claimLimits: (queues) =>
          this.limits.size === 0 ? NO_LIMITS : [...this.limits.values()].filter((l) => queues.includes(l.queue)),
        jobsPerSlot: (queues) => {
          let most = 1;
          for (const queue of queues) most = Math.max(most, this.batchSizes.get(queue) ?? 1);
          return most;
        },
      },
      options,
    );
    this.workers.add(worker);
    return worker;
  }

  /**
   * Stops the cron scheduler, gracefully stops every worker (see Worker.close), then closes the
   * store. Idempotent; called again with a shorter `graceMs`, it ends the workers' grace sooner.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    // Checked before anything closes: a bad grace must not leave half of this Errand shut.
    const refused = badCloseOptions(options);
    if (refused) return Promise.reject(refused);
    // Closing already: a grace given now (a second SIGTERM, say) shortens the workers' waits.
    if (this.closing !== null && options.graceMs !== undefined) for (const worker of this.workers) void worker.close(options);
    this.closing ??= (async () => {
      // Workers first, at once: from now on an enqueue (a request still being answered) is not
      // handed to one of them as it is inserted, only to be handed back a moment later.
      const workersClosed = Promise.all([...this.workers].map((w) => w.close(options)));
      await this.scheduler?.stop();
      await workersClosed;
      await this.sweeper?.stop();
      await this.store.close();
    })();
    return this.closing;
  }
}

function typeHandlerOf(definition: JobDefinition<unknown, unknown>): TypeHandler | null {
  if (definition.batch !== null) return { kind: "batch", ...definition.batch };
  if (definition.handler !== null) return { kind: "single", handler: definition.handler };
  return null;
}

/** What connect takes for a Store already open, told from a mistake (a number, say) before it is used as one. */
function isStore(value: unknown): value is Store {
  return typeof value === "object" && value !== null && typeof (value as Partial<Store>).migrate === "function";
}
