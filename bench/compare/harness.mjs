// The shared timing harness: the workloads and metric names of bench/errand-workloads.mjs, run
// against any peer through a small adapter, so every peer is measured by the same loops.
//
// An adapter is { system, store, open(config) }, where open() returns a session on a fresh, empty
// queue (new schema or queue name):
//   enqueue(payload)            one durable enqueue
//   enqueueBulk(payloads)       the peer's own bulk API
//   startWorker({ concurrency, handler })  handler(payload) is called once per job
//   unfinished()                jobs not yet durably finished (queued, running, unacked)
//   close()                     stop the worker, drop the schema / obliterate the queue
//
// Each phase has a time budget (BENCH_PHASE_SECONDS, default 10). A peer too slow to finish a phase
// inside it (pg-boss's default config polls every 2 s) is measured over the jobs it did finish;
// the run says so on stderr, so a capped figure is never mistaken for a full one.
import { performance } from "node:perf_hooks";
import { percentile, report, sleep } from "../report.mjs";

const budgetMs = Number(process.env.BENCH_PHASE_SECONDS ?? 10) * 1000;

function rate(done, startedAt) {
  return done / ((performance.now() - startedAt) / 1000);
}

function note(ctx, metric, text) {
  process.stderr.write(`[${ctx.system}/${ctx.config}] ${metric}: ${text}\n`);
}

async function withSession(adapter, config, fn) {
  const session = await adapter.open(config);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

async function enqueueSeq(session, n, deadline) {
  let i = 0;
  const t = performance.now();
  while (i < n && performance.now() < deadline) await session.enqueue({ i: i++ });
  return { done: i, value: rate(i, t) };
}

async function enqueueConcurrent(session, n, callers, deadline) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n && performance.now() < deadline) await session.enqueue({ i: next++ });
    }),
  );
  return { done: next, value: rate(next, t) };
}

async function enqueueBulk(session, n, deadline = Infinity, batch = 1000) {
  let i = 0;
  const t = performance.now();
  while (i < n && performance.now() < deadline) {
    const size = Math.min(batch, n - i);
    await session.enqueueBulk(Array.from({ length: size }, (_, k) => ({ i: i + k })));
    i += size;
  }
  return { done: i, value: rate(i, t) };
}

/** Resolves true once check() is true, false if the deadline passes first. */
async function until(check, deadline, everyMs = 5) {
  while (performance.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

async function processAll(session, n, concurrency) {
  await enqueueBulk(session, n); // all queued first, untimed, as in errand-workloads
  let handled = 0;
  let allHandled;
  const handledAll = new Promise((r) => (allHandled = r));
  const handler = async () => {
    if (++handled === n) allHandled();
  };
  const t = performance.now();
  const deadline = t + budgetMs;
  await session.startWorker({ concurrency, handler });
  await Promise.race([handledAll, sleep(budgetMs)]);
  // A handler returning is not the job finishing: wait until the store shows it acknowledged.
  if (handled === n && (await until(async () => (await session.unfinished()) === 0, deadline))) {
    return { done: n, value: rate(n, t) };
  }
  return { done: handled, value: rate(handled, t) };
}

async function latency(session, count = 200, gapMs = 20) {
  const waiters = new Map();
  const handler = async ({ i }) => waiters.get(i)?.(performance.now());
  await session.startWorker({ concurrency: 10, handler });
  await sleep(200); // let the worker reach its idle wait
  const deadline = performance.now() + budgetMs;
  const samples = [];
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const started = new Promise((r) => waiters.set(i, r)); // set before enqueue: the handler may win the race
    const t0 = performance.now();
    await session.enqueue({ i });
    const at = await Promise.race([started, sleep(deadline - performance.now()).then(() => null)]);
    if (at === null) break;
    samples.push(at - t0);
    await sleep(gapMs);
  }
  return samples.sort((a, b) => a - b);
}

/** Runs every workload against one peer in one config and prints its JSON lines. */
export async function runPeerWorkloads(adapter, config, n) {
  const ctx = { system: adapter.system, config };
  const line = (metric, value, unit) => report({ store: adapter.store, system: adapter.system, config, metric, value, unit });
  const measured = async (metric, want, fn) => {
    const { done, value } = await withSession(adapter, config, (s) => fn(s, performance.now() + budgetMs));
    if (done < want) note(ctx, metric, `time budget hit: ${done} of ${want} jobs in ${budgetMs / 1000} s; rate is over those`);
    line(metric, value, "jobs/s");
  };
  const seqN = Math.min(n, 5000);
  await measured("enqueue_seq", seqN, (s, d) => enqueueSeq(s, seqN, d));
  await measured("enqueue_concurrent_c50", n, (s, d) => enqueueConcurrent(s, n, 50, d));
  await measured("enqueue_bulk", n, (s, d) => enqueueBulk(s, n, d));
  for (const c of [1, 10, 50]) await measured(`process_c${c}`, n, (s) => processAll(s, n, c));
  await runLatencyWorkload(adapter, config);
}

/** The latency lines alone (enqueue → handler start), for peers and for commit-floor.mjs's reference. */
export async function runLatencyWorkload(adapter, config) {
  const samples = await withSession(adapter, config, (s) => latency(s));
  if (samples.length < 200) note({ system: adapter.system, config }, "latency", `time budget hit: ${samples.length} of 200 samples`);
  if (samples.length === 0) return;
  for (const p of [50, 95, 99]) {
    report({ store: adapter.store, system: adapter.system, config, metric: `latency_p${p}`, value: percentile(samples, p), unit: "ms" });
  }
}

/** Entry point shared by the peer runners: both configs, or the one named in BENCH_CONFIGS. */
export async function runPeer(adapter) {
  const n = Number(process.env.BENCH_N ?? 20_000);
  const configs = (process.env.BENCH_CONFIGS ?? "default,best").split(",");
  for (const config of configs) await runPeerWorkloads(adapter, config, n);
}
