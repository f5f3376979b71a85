// graphile-worker on PostgreSQL. "default": the library's defaults (concurrency set per workload).
// "best": the settings of its own performance page (worker.graphile.org/docs/performance):
// localQueue of 500, completeJobBatchDelay/failJobBatchDelay 0, pool = concurrency + 2 (at least 10).
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import { runPeer } from "./harness.mjs";
import { dropSchema, freshSchemaName, pgUrl, queryOne } from "./pg-schemas.mjs";

// Its per-job "Completed task" log would land on our stdout (the JSON lines); logging is not the
// queue's cost, so both configs log nothing (NO_LOG_SUCCESS also skips formatting the message).
process.env.NO_LOG_SUCCESS = "1";
const silent = new Logger(() => () => {});

const workerOptions = {
  default: (concurrency) => ({ concurrency }),
  best: (concurrency) => ({
    concurrency,
    maxPoolSize: Math.max(10, concurrency + 2),
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  }),
};

async function open(config) {
  const schema = freshSchemaName("gw");
  const shared = { connectionString: pgUrl, schema, logger: silent };
  const utils = await makeWorkerUtils(shared);
  await utils.migrate();
  let runner;
  return {
    enqueue: (payload) => utils.addJob("noop", payload),
    enqueueBulk: (payloads) => utils.addJobs(payloads.map((payload) => ({ identifier: "noop", payload }))),
    async startWorker({ concurrency, handler }) {
      runner = await run({
        ...shared,
        noHandleSignals: true,
        taskList: { noop: (payload) => handler(payload) },
        ...workerOptions[config](concurrency),
      });
    },
    // graphile-worker deletes a job when it completes, so whatever is left is unfinished.
    unfinished: () =>
      utils.withPgClient((client) => queryOne(client, `select count(*)::int as n from "${schema}"._private_jobs`)).then((r) => r.n),
    async close() {
      await runner?.stop();
      await utils.release();
      await dropSchema(schema);
    },
  };
}

await runPeer({ system: "graphile-worker", store: "postgres", open });
