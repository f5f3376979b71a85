// BullMQ on the local Redis. "default": the library's defaults (worker `concurrency` set per workload,
// finished jobs kept in Redis). "best": what its docs recommend for throughput: `addBulk` for bulk
// (used in both configs, as it is the bulk API), worker `concurrency`, and auto-removal of finished
// jobs (`removeOnComplete`/`removeOnFail`) so the completed set does not grow with every job.
import { Queue, Worker } from "bullmq";
import { runPeer } from "./harness.mjs";

// maxRetriesPerRequest: null is what BullMQ requires of a worker's connection.
const connection = { host: process.env.BENCH_REDIS_HOST ?? "127.0.0.1", port: Number(process.env.BENCH_REDIS_PORT ?? 6379), maxRetriesPerRequest: null };

const configs = {
  default: { jobs: {} },
  best: { jobs: { removeOnComplete: true, removeOnFail: true } },
};

let seq = 0;

async function open(config) {
  const name = `bench-${process.pid}-${++seq}`;
  const queue = new Queue(name, { connection, defaultJobOptions: configs[config].jobs });
  await queue.waitUntilReady();
  let worker;
  return {
    enqueue: (data) => queue.add("noop", data),
    enqueueBulk: (payloads) => queue.addBulk(payloads.map((data) => ({ name: "noop", data }))),
    async startWorker({ concurrency, handler }) {
      worker = new Worker(name, (job) => handler(job.data), { connection, concurrency });
      await worker.waitUntilReady();
    },
    async unfinished() {
      const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "paused", "waiting-children");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async close() {
      await worker?.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

await runPeer({ system: "bullmq", store: "redis", open });
