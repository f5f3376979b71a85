// The benchmark workloads, run against Errand on any store. Each phase uses a fresh store,
// dropped when the phase ends, so earlier phases' rows (and the server's work on them: dirty
// pages written back, autovacuum) do not flatter or penalise later ones.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Errand } from "../dist/index.js";
import { measureFlowOverhead } from "./flow-workloads.mjs";
import { withFreshStore } from "./fresh-stores.mjs";
import { percentile, report, sleep } from "./report.mjs";

const noop = async () => {};

/** `fn(errand, job, url)` on a fresh store. `prepare(url)`, if given, runs once the schema exists and before `fn` (e.g. to preload rows). */
function withErrand(stores, fn, prepare) {
  return withFreshStore(stores, async (url) => {
    const errand = await Errand.connect(url);
    try {
      if (prepare) await prepare(url);
      return await fn(errand, errand.define("bench-noop", { handler: noop, maxAttempts: 1 }), url);
    } finally {
      await errand.close();
    }
  });
}

function rate(n, startedAt) {
  return n / ((performance.now() - startedAt) / 1000);
}

async function enqueueSeq(errand, job, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await job.enqueue({ i });
  return rate(n, t);
}

async function enqueueConcurrent(errand, job, n, callers) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) {
        const i = next++;
        await job.enqueue({ i });
      }
    }),
  );
  return rate(n, t);
}

async function enqueueBulk(errand, job, n, batch = 1000) {
  const t = performance.now();
  for (let i = 0; i < n; i += batch) {
    const size = Math.min(batch, n - i);
    await errand.enqueueMany(Array.from({ length: size }, (_, k) => job.request({ i: i + k })));
  }
  return rate(n, t);
}

/** Queues n jobs (untimed), then times a worker at `concurrency` through all of them. Leaves no worker running. */
async function processAll(errand, job, n, concurrency) {
  await enqueueBulk(errand, job, n);
  let done = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const stopCounting = errand.on("completed", () => {
    if (++done === n) finish();
  });
  const t = performance.now();
  const worker = errand.work({ queues: ["default"], concurrency });
  await finished;
  const value = rate(n, t);
  stopCounting();
  await worker.close();
  return value;
}

/** A provider round trip (an email API, a bulk insert): what a batch handler pays once per call. */
const CALL_MS = 2;

/** processAll where each handler call costs CALL_MS: one job per call, or up to `size` per batch call. */
async function processCalls(errand, n, size, concurrency) {
  const call = () => sleep(CALL_MS);
  const job =
    size === 1
      ? errand.define("bench-call", { handler: call, maxAttempts: 1 })
      : errand.define("bench-batch", {
          batch: { size, maxWaitMs: 20 },
          batchHandler: async (payloads) => (await call(), payloads.map(() => undefined)),
          maxAttempts: 1,
        });
  return processAll(errand, job, n, concurrency);
}

/**
 * Enqueue → handler start, `count` jobs `gapMs` apart, with `errand`'s worker idle. Enqueued by
 * `errand` itself, a job starts on insert in its idle worker; enqueued through `enqueue` by
 * another process (see withOtherProcessEnqueuer), it is claimed by the worker once the insert's
 * NOTIFY wakes it.
 */
async function latency(errand, enqueue = (payload) => errand.enqueue("bench-latency", payload), count = 200, gapMs = 20) {
  // The handler may start before enqueue() resolves, so either side can arrive first.
  const startedAt = new Map();
  const waiting = new Map();
  errand.define("bench-latency", {
    handler: async (_p, ctx) => {
      const t = performance.now();
      startedAt.set(ctx.job.id, t);
      waiting.get(ctx.job.id)?.(t);
    },
  });
  errand.work({ queues: ["default"], concurrency: 10 });
  await sleep(200); // let the worker reach its idle wait
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const created = await enqueue({ i });
    const t1 = startedAt.get(created.id) ?? (await new Promise((r) => waiting.set(created.id, r)));
    samples.push(t1 - t0);
    await sleep(gapMs);
  }
  return samples.sort((a, b) => a - b);
}

const FINISHED_ROWS = 1_000_000;
const KEPT_ROWS_ROUNDS = 3;

const median = (values) => percentile([...values].sort((a, b) => a - b), 50);

/**
 * claim_with_1m_finished: process_c50 with a million finished rows kept in the table, the median
 * of KEPT_ROWS_ROUNDS runs on one filled store, each after a process_c50 run on an empty one, so
 * that both meet the same minutes of a machine whose speed drifts (single pairs gave ratios of
 * 0.69–1.41). `percent` is the one median over the other.
 */
async function measureKeptRows({ stores, fillFinished, n }) {
  const empty = [];
  const kept = await withErrand(
    stores,
    async (errand, job) => {
      const rates = [];
      for (let round = 0; round < KEPT_ROWS_ROUNDS; round++) {
        empty.push(await withErrand(stores, (e, j) => processAll(e, j, n, 50)));
        rates.push(await processAll(errand, job, n, 50));
      }
      return rates;
    },
    (url) => fillFinished(url, FINISHED_ROWS),
  );
  return { rate: median(kept), percent: (100 * median(kept)) / median(empty) };
}

/**
 * Runs every workload against Errand on one store; `stores` hands out empty databases (see
 * withFreshStore). `metrics` (name prefixes) limits the run to those figures. With `fillFinished(url, count)` (a store-specific bulk insert of completed jobs) it also
 * measures claim_with_1m_finished (see measureKeptRows). With `notifies` (a store whose enqueues
 * wake other processes' workers: PostgreSQL), it also measures latency_via_notify.
 */
export async function runErrandWorkloads({ store, stores, n, fillFinished, metrics, notifies = false }) {
  // BENCH_ONLY=batch_ (comma-separated prefixes) runs just the metrics named so.
  const only = process.env.BENCH_ONLY?.split(",") ?? metrics;
  const wanted = (metric) => only === undefined || only.some((prefix) => metric.startsWith(prefix));
  const line = async (metric, measure, unit) => {
    if (wanted(metric)) report({ store, system: "errand", metric, value: await measure(), unit });
  };
  await line("enqueue_seq", () => withErrand(stores, (e, j) => enqueueSeq(e, j, Math.min(n, 5000))), "jobs/s");
  await line("enqueue_concurrent_c50", () => withErrand(stores, (e, j) => enqueueConcurrent(e, j, n, 50)), "jobs/s");
  await line("enqueue_bulk", () => withErrand(stores, (e, j) => enqueueBulk(e, j, n)), "jobs/s");
  for (const c of [1, 10, 50]) {
    await line(`process_c${c}`, () => withErrand(stores, (e, j) => processAll(e, j, n, c)), "jobs/s");
  }
  // The same jobs at the same concurrency (10), each handler call costing CALL_MS: one call
  // per job, versus one batch handler call per up to 100 jobs.
  await line("batch_single", () => withErrand(stores, (e) => processCalls(e, n, 1, 10)), "jobs/s");
  await line("batch_handler_100", () => withErrand(stores, (e) => processCalls(e, n, 100, 10)), "jobs/s");
  // One measurement, three figures (see flow-workloads.mjs).
  let flows;
  const flowFigures = () => (flows ??= measureFlowOverhead({ stores, n }));
  await line("process_plain_for_flow", async () => (await flowFigures()).plainRate, "jobs/s");
  await line("process_flow_10_node", async () => (await flowFigures()).flowRate, "jobs/s");
  await line("flow_10_node_overhead", async () => (await flowFigures()).overheadUs, "us/node");
  if (fillFinished) {
    let keptRows;
    const keptRowFigures = () => (keptRows ??= measureKeptRows({ stores, fillFinished, n }));
    await line("claim_with_1m_finished", async () => (await keptRowFigures()).rate, "jobs/s");
    await line("claim_with_1m_finished_vs_c50", async () => (await keptRowFigures()).percent, "%");
  }
  if (!["latency_p50", "latency_p95", "latency_p99"].some(wanted)) return;
  const samples = await withErrand(stores, (e) => latency(e));
  for (const p of [50, 95, 99]) await line(`latency_p${p}`, () => percentile(samples, p), "ms");
  if (notifies && ["latency_via_notify_p50", "latency_via_notify_p99"].some(wanted)) {
    const viaNotify = await withErrand(stores, (e, _job, url) => withOtherProcessEnqueuer(url, (enqueue) => latency(e, enqueue)));
    for (const p of [50, 99]) await line(`latency_via_notify_p${p}`, () => percentile(viaNotify, p), "ms");
  }
}

/**
 * `fn(enqueue)`, where enqueue(payload) has bench/enqueue-process.mjs, a process of its own on
 * the store at `url`, enqueue a job, and resolves with its id. Timed from the request, so a
 * sample includes the pipe to that process (tens of µs), never less than the enqueue itself.
 */
async function withOtherProcessEnqueuer(url, fn) {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./enqueue-process.mjs", import.meta.url)), url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await replies.next();
    if (done) throw new Error("bench/enqueue-process.mjs exited");
    return value;
  };
  try {
    if ((await next()) !== "ready") throw new Error("bench/enqueue-process.mjs did not start");
    return await fn(async (payload) => {
      child.stdin.write(`${JSON.stringify(payload)}\n`);
      return { id: await next() };
    });
  } finally {
    child.stdin.end();
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
  }
}
