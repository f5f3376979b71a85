import { afterEach, describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import { ErrandMetrics } from "../../src/metrics/errand-metrics.js";
import { JOB_STATES } from "../../src/core/states.js";
import { sha256Hex } from "../../src/server/auth.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import { parsePrometheusText, sampleValue, type Sample } from "../helpers/prometheus-text.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const READER = "metrics-reader-1";
const WRITER = "metrics-writer-2";

async function scrape(s: RunningServer, token?: string): Promise<{ status: number; contentType: string | null; samples: Sample[] }> {
  const res = await http<string>(s.url, "GET", "/metrics", { token });
  return { status: res.status, contentType: res.headers.get("content-type"), samples: res.status === 200 ? parsePrometheusText(res.body) : [] };
}

/** GET /metrics over real HTTP: counters of this process's jobs, and the store's counts across every process. */
export function describeServerMetrics(factory: StoreFactory): void {
  describe(`GET /metrics: ${factory.name}`, () => {
    const opened: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const o of opened.splice(0).reverse()) await o.close();
    });

    it("counts this process's jobs by outcome and reports the store's counts, jobs of other processes included", async () => {
      const s = await startServer(factory);
      opened.push(s);
      const state = (id: string) => s.errand.getJob(id).then((job) => job?.state);

      // A job whose handler runs until canceled: while it runs, this process's worker holds one job.
      const { body: held } = await http(s.url, "POST", "/v1/jobs", { body: { type: "hold" } });
      await waitFor(async () => (await state(held.id)) === "running", { what: "hold job running" });
      const whileHeld = await scrape(s);
      expect(whileHeld.status).toBe(200);
      expect(whileHeld.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sampleValue(whileHeld.samples, "errand_worker_running_jobs")).toBe(1);
      expect(sampleValue(whileHeld.samples, "errand_jobs", { queue: "default", state: "running" })).toBe(1);
      expect((await http(s.url, "DELETE", `/v1/jobs/${held.id}`)).status).toBe(200);

      // Two that complete, one that retries once and then fails, one canceled before it ever ran.
      const echoes = await Promise.all([1, 2].map((n) => http(s.url, "POST", "/v1/jobs", { body: { type: "echo", payload: { n } } })));
      const failing = await s.errand.enqueue("fail", {}, { maxAttempts: 2, backoff: { baseMs: 10, maxMs: 10, jitter: 0 } });
      const { body: later } = await http(s.url, "POST", "/v1/jobs", { body: { type: "echo", delay_ms: 3_600_000 } });
      expect((await http(s.url, "DELETE", `/v1/jobs/${later.id}`)).status).toBe(200);
      for (const { body } of echoes) await waitFor(async () => (await state(body.id)) === "completed", { what: `echo ${body.id} completed` });
      await waitFor(async () => (await state(failing.id)) === "failed", { what: "fail job failed" });

      // Another process on the same database: its jobs are in the store's counts, not in this process's counters.
      const other = await Errand.connect(await factory.open(s.databaseUrl), { logger: s.errand.logger });
      opened.push(other);
      const offsite = other.define("offsite", { queue: "offsite" });
      await offsite.enqueue({});
      await offsite.enqueue({});
      await offsite.enqueue({}, { delayMs: 3_600_000 });

      await waitFor(async () => sampleValue((await scrape(s)).samples, "errand_worker_running_jobs") === 0, { what: "the worker to let go of every job" });
      const { status, samples } = await scrape(s);
      expect(status).toBe(200);
      const jobs = (type: string) => ({ queue: "default", type });
      const counted = (name: string, type: string) => sampleValue(samples, name, jobs(type));
      expect(counted("errand_jobs_enqueued_total", "echo")).toBe(3);
      expect(counted("errand_jobs_started_total", "echo")).toBe(2);
      expect(counted("errand_jobs_completed_total", "echo")).toBe(2);
      expect(counted("errand_jobs_canceled_total", "echo")).toBe(1);
      expect(counted("errand_jobs_enqueued_total", "fail")).toBe(1);
      expect(counted("errand_jobs_started_total", "fail")).toBe(2);
      expect(counted("errand_jobs_retried_total", "fail")).toBe(1);
      expect(counted("errand_jobs_failed_total", "fail")).toBe(1);
      expect(counted("errand_jobs_started_total", "hold")).toBe(1);
      expect(counted("errand_jobs_canceled_total", "hold")).toBe(1);
      expect(counted("errand_jobs_completed_total", "fail")).toBeUndefined();

      const runs = (type: string, outcome: string) => sampleValue(samples, "errand_job_run_seconds_count", { ...jobs(type), outcome });
      expect(runs("echo", "completed")).toBe(2);
      expect(runs("fail", "retried")).toBe(1);
      expect(runs("fail", "failed")).toBe(1);
      expect(runs("hold", "canceled")).toBe(1);
      // The delayed echo was canceled before it ran: no run to time.
      expect(runs("echo", "canceled")).toBeUndefined();
      expect(sampleValue(samples, "errand_job_run_seconds_bucket", { ...jobs("echo"), outcome: "completed", le: "+Inf" })).toBe(2);
      const waits = (type: string) => sampleValue(samples, "errand_job_wait_seconds_count", jobs(type));
      expect([waits("echo"), waits("fail"), waits("hold")]).toEqual([2, 2, 1]);

      // Store-wide truth, read at scrape time: every queue and state, the other process's jobs too.
      expect(sampleValue(samples, "errand_store_up")).toBe(1);
      const queues = await s.errand.listQueues();
      expect(queues.map((q) => q.queue)).toEqual(["default", "offsite"]);
      for (const { queue, counts } of queues)
        for (const jobState of JOB_STATES) expect(sampleValue(samples, "errand_jobs", { queue, state: jobState }), `${queue} ${jobState}`).toBe(counts[jobState]);
      expect(sampleValue(samples, "errand_jobs", { queue: "offsite", state: "pending" })).toBe(2);
      expect(sampleValue(samples, "errand_jobs", { queue: "offsite", state: "scheduled" })).toBe(1);
      expect(sampleValue(samples, "errand_jobs", { queue: "default", state: "failed" })).toBe(1);
      expect(sampleValue(samples, "errand_jobs_enqueued_total", { queue: "offsite", type: "offsite" })).toBeUndefined();
      // The server's registry is its own, so it carries prom-client's process metrics too.
      expect(samples.some((x) => x.name === "process_cpu_user_seconds_total")).toBe(true);
    });

    it("collects prom-client's process metrics once per process: every ErrandMetrics of its own shows the same ones", async () => {
      const errand = await Errand.connect(await factory.open(await factory.url()));
      opened.push(errand);
      const a = new ErrandMetrics(errand);
      const b = new ErrandMetrics(errand);
      try {
        // One event-loop monitor, however many servers a process builds (it cannot be stopped).
        const lag = "nodejs_eventloop_lag_seconds";
        expect(a.registry.getSingleMetric(lag)).toBeDefined();
        expect(a.registry.getSingleMetric(lag)).toBe(b.registry.getSingleMetric(lag));
        // Each still has its own errand_* metrics: closing one leaves the other's.
        a.close();
        expect(a.registry.getSingleMetric("errand_jobs_enqueued_total")).toBeUndefined();
        expect(b.registry.getSingleMetric("errand_jobs_enqueued_total")).toBeDefined();
        expect(parsePrometheusText(await b.metrics()).some((x) => x.name === "process_cpu_user_seconds_total")).toBe(true);
      } finally {
        b.close();
      }
    });

    it("answers 200 with this process's metrics and errand_store_up 0 when the store cannot be read", async () => {
      const s = await startServer(factory, { worker: false });
      opened.push(s);
      expect((await http(s.url, "POST", "/v1/jobs", { body: { type: "echo" } })).status).toBe(202);
      expect(sampleValue((await scrape(s)).samples, "errand_store_up")).toBe(1);
      await s.errand.store.close();
      const { status, samples } = await scrape(s);
      expect(status).toBe(200);
      expect(sampleValue(samples, "errand_store_up")).toBe(0);
      expect(sampleValue(samples, "errand_jobs_enqueued_total", { queue: "default", type: "echo" })).toBe(1);
      // No stale counts: without an answer there are no errand_jobs series at all.
      expect(samples.filter((x) => x.name === "errand_jobs")).toEqual([]);
    });

    it("is listed in /openapi.json under meta, needing jobs:read", async () => {
      const s = await startServer(factory, { worker: false });
      opened.push(s);
      const { body } = await http(s.url, "GET", "/openapi.json");
      expect(body.paths["/metrics"].get).toMatchObject({ tags: ["meta"], "x-required-scope": "jobs:read" });
      expect(Object.keys(body.paths["/metrics"].get.responses[200].content)).toEqual(["text/plain"]);
    });

    it("with tokens configured: 401 without a token, 403 with a jobs:write-only token, 200 with jobs:read", async () => {
      const s = await startServer(factory, {
        worker: false,
        tokens: [
          { sha256: sha256Hex(READER), scopes: ["jobs:read"] },
          { sha256: sha256Hex(WRITER), scopes: ["jobs:write"] },
        ],
      });
      opened.push(s);
      expect((await scrape(s)).status).toBe(401);
      expect((await scrape(s, WRITER)).status).toBe(403);
      const allowed = await scrape(s, READER);
      expect(allowed.status).toBe(200);
      expect(sampleValue(allowed.samples, "errand_store_up")).toBe(1);
    });
  });
}
