// The benchmark workloads, run against Errand on any store. Each phase uses a fresh store
// so earlier phases' rows do not flatter or penalise later ones.
import { performance } from "node:perf_hooks";
import { Errand } from "../dist/index.js";
import { percentile, report, sleep } from "./report.mjs";

const noop = async () => {};

/** `prepare(url)`, if given, runs once the schema exists and before `fn` (e.g. to preload rows). */
async function withErrand(freshUrl, fn, prepare) {
  const url = await freshUrl();
  const errand = await Errand.connect(url);
  if (prepare) await prepare(url);
  const job = errand.define("bench-noop", { handler: noop, maxAttempts: 1 });
  try {
    return await fn(errand, job);
  } finally {
    await errand.close();
  }
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

async function processAll(errand, job, n, concurrency) {
  await enqueueBulk(errand, job, n);
  let done = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  errand.on("completed", () => {
    if (++done === n) finish();
  });
  const t = performance.now();
  errand.work({ queues: ["default"], concurrency });
  await finished;
  return rate(n, t);
}

async function latency(errand, job, count = 200, gapMs = 20) {
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
    const created = await errand.enqueue("bench-latency", { i });
    const t1 = startedAt.get(created.id) ?? (await new Promise((r) => waiting.set(created.id, r)));
    samples.push(t1 - t0);
    await sleep(gapMs);
  }
  return samples.sort((a, b) => a - b);
}

const FINISHED_ROWS = 1_000_000;

/**
 * Runs every workload against Errand on one store; `freshUrl()` returns a new empty database's
 * URL. With `fillFinished(url, count)` (a store-specific bulk insert of completed jobs) it also
 * measures claim_with_1m_finished: process_c50 with a million finished rows kept in the table.
 */
export async function runErrandWorkloads({ store, freshUrl, n, fillFinished }) {
  const line = (metric, value, unit) => report({ store, system: "errand", metric, value, unit });
  line("enqueue_seq", await withErrand(freshUrl, (e, j) => enqueueSeq(e, j, Math.min(n, 5000))), "jobs/s");
  line("enqueue_concurrent_c50", await withErrand(freshUrl, (e, j) => enqueueConcurrent(e, j, n, 50)), "jobs/s");
  line("enqueue_bulk", await withErrand(freshUrl, (e, j) => enqueueBulk(e, j, n)), "jobs/s");
  for (const c of [1, 10, 50]) {
    line(`process_c${c}`, await withErrand(freshUrl, (e, j) => processAll(e, j, n, c)), "jobs/s");
  }
  if (fillFinished) {
    const process = (e, j) => processAll(e, j, n, 50);
    line("claim_with_1m_finished", await withErrand(freshUrl, process, (url) => fillFinished(url, FINISHED_ROWS)), "jobs/s");
  }
  const samples = await withErrand(freshUrl, (e, j) => latency(e, j));
  for (const p of [50, 95, 99]) line(`latency_p${p}`, percentile(samples, p), "ms");
}
