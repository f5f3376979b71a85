import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from "prom-client";
import { knownOptions } from "../core/option-keys.js";
import { ValidationError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import { JOB_STATES } from "../core/states.js";
import type { Errand } from "../errand.js";
import { JOB_SECONDS_BUCKETS, runSeconds, waitSeconds, wasRunningWhenCanceled } from "./job-timing.js";
import { StoreProbe } from "./store-probe.js";

export interface ErrandMetricsOptions {
  /**
   * The registry to add Errand's metrics to, e.g. your app's. Default: a registry of its own,
   * which also gets prom-client's default process metrics (with yours, that is your call).
   */
  registry?: Registry;
  /**
   * How long a scrape waits for the store's job counts before it answers without them and
   * reports `errand_store_up 0`, ms. Default 2 000.
   */
  storeTimeoutMs?: number;
  /**
   * Whether scrapes read `errand_jobs` and `errand_store_up` from the store (default true). Each
   * such scrape counts the whole jobs table, and the answer is the same from every process: where
   * many processes are scraped, one of them is enough.
   */
  jobCounts?: boolean;
}

const METRICS_OPTION_KEYS: ReadonlySet<string> = new Set(["registry", "storeTimeoutMs", "jobCounts"]);

/** How a run attempt ended, as the `outcome` label of errand_job_run_seconds says it. */
type RunOutcome = "completed" | "retried" | "failed" | "canceled";

const JOB_LABELS = ["queue", "type"] as const;

let processRegistry: Registry | null = null;

/**
 * prom-client's process metrics (CPU, memory, event loop lag, GC), collected once per process:
 * what they measure is the process, and their event-loop monitor cannot be stopped, so one per
 * ErrandMetrics would pile up a monitor for every server built in a process.
 */
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * Prometheus metrics for one Errand: counters and histograms of the job events this process
 * sees (enqueued, started and ended here), and gauges read from the store at scrape time
 * (jobs per queue and state, across every process), under `errand_*` names. Labels are bounded:
 * queue, job type, state and outcome, never a job id. `close()` stops listening.
 */
export class ErrandMetrics {
  readonly registry: Registry;
  /** Names of the metrics this instance added to the registry (default metrics excepted). */
  private readonly owned: string[] = [];
  private readonly unsubscribe: (() => void)[];

  constructor(errand: Errand, given?: ErrandMetricsOptions) {
    const options = knownOptions(given, METRICS_OPTION_KEYS);
    const timeoutMs = options.storeTimeoutMs ?? 2_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new ValidationError("storeTimeoutMs", "must be a positive integer");
    // A registry of its own shares the process metrics with every other ErrandMetrics here.
    this.registry = options.registry ?? Registry.merge([processMetrics(), new Registry()]);

    const counter = (name: string, help: string) => this.add(new Counter({ name, help, labelNames: JOB_LABELS, registers: [] }));
    const enqueued = counter("errand_jobs_enqueued_total", "Jobs enqueued by this process (created, not deduplicated by idempotency key)");
    const started = counter("errand_jobs_started_total", "Job attempts started by this process's workers");
    const completed = counter("errand_jobs_completed_total", "Jobs completed by this process's workers");
    const retried = counter("errand_jobs_retried_total", "Attempts that failed with attempts left: the job waits to retry (seen by this process)");
    const failed = counter("errand_jobs_failed_total", "Jobs that ended failed, into the dead-letter set (seen by this process)");
    const canceled = counter("errand_jobs_canceled_total", "Jobs canceled by this process (API, library or the handler itself)");
    const runTime = this.add(
      new Histogram({
        name: "errand_job_run_seconds",
        help: "How long a job attempt ran, from its start to how it ended (outcome: completed, retried, failed, canceled)",
        labelNames: [...JOB_LABELS, "outcome"],
        buckets: [...JOB_SECONDS_BUCKETS],
        registers: [],
      }),
    );
    const waitTime = this.add(
      new Histogram({
        name: "errand_job_wait_seconds",
        help: "How long a job waited to start once it was due: from the later of its creation and its run time to its start",
        labelNames: JOB_LABELS,
        buckets: [...JOB_SECONDS_BUCKETS],
        registers: [],
      }),
    );
    const ran = (job: Job, outcome: RunOutcome, end: Date | null) => {
      const seconds = runSeconds(job, end);
      if (seconds !== null) runTime.observe({ ...jobLabels(job), outcome }, seconds);
    };
    this.unsubscribe = [
      errand.on("enqueued", ({ job }) => enqueued.inc(jobLabels(job))),
      errand.on("started", ({ job }) => {
        started.inc(jobLabels(job));
        const seconds = waitSeconds(job);
        if (seconds !== null) waitTime.observe(jobLabels(job), seconds);
      }),
      errand.on("completed", ({ job }) => {
        completed.inc(jobLabels(job));
        ran(job, "completed", job.finishedAt);
      }),
      errand.on("retrying", ({ job, error }) => {
        retried.inc(jobLabels(job));
        ran(job, "retried", error.at);
      }),
      errand.on("failed", ({ job, error }) => {
        failed.inc(jobLabels(job));
        ran(job, "failed", job.finishedAt ?? error?.at ?? null);
      }),
      errand.on("canceled", ({ job }) => {
        canceled.inc(jobLabels(job));
        if (wasRunningWhenCanceled(job)) ran(job, "canceled", job.finishedAt);
      }),
    ];

    if (options.jobCounts !== false) this.addJobCounts(errand, timeoutMs);
    this.add(
      new Gauge({
        name: "errand_worker_running_jobs",
        help: "Jobs this process's workers hold now: running their handler, storing its outcome, or claimed and about to start",
        registers: [],
        collect() {
          this.set(errand.runningJobs);
        },
      }),
    );
  }

  /** errand_jobs and errand_store_up: read from the store at each scrape. */
  private addJobCounts(errand: Errand, timeoutMs: number): void {
    const probe = new StoreProbe({
      read: () => errand.listQueues(),
      what: "the count query",
      timeoutMs,
      onFailure: (error) => errand.logger.warn({ err: error }, "metrics: could not read job counts from the store"),
    });
    this.add(
      new Gauge({
        name: "errand_jobs",
        help: "Jobs in the store per queue and state, across every process (read at scrape time)",
        labelNames: ["queue", "state"],
        registers: [],
        async collect() {
          const queues = await probe.read();
          // Without an answer the series are dropped rather than repeated stale; errand_store_up says why.
          this.reset();
          for (const { queue, counts } of queues ?? []) for (const state of JOB_STATES) this.set({ queue, state }, counts[state]);
        },
      }),
    );
    this.add(
      new Gauge({
        name: "errand_store_up",
        help: "1 if the store answered this scrape's count query in time, 0 if not",
        registers: [],
        async collect() {
          this.set((await probe.read()) === null ? 0 : 1);
        },
      }),
    );
  }

  /** The Content-Type of `metrics()`'s text: Prometheus text exposition format. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric of the registry in Prometheus text format. Resolves (never rejects for the store) within about storeTimeoutMs. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops listening to the Errand's events and removes Errand's metrics from the registry. Idempotent. */
  close(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    for (const name of this.owned.splice(0)) this.registry.removeSingleMetric(name);
  }

  private add<M extends Metric>(metric: M): M {
    this.registry.registerMetric(metric);
    // Every prom-client metric carries its name; the typings leave it out.
    this.owned.push((metric as unknown as { name: string }).name);
    return metric;
  }
}

function jobLabels(job: Job): { queue: string; type: string } {
  return { queue: job.queue, type: job.type };
}
