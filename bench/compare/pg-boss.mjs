// pg-boss on PostgreSQL. "default": the library's defaults, concurrency via `localConcurrency`
// (its documented way to run several jobs at once; each worker then polls every 2 s).
// "best": the throughput options of its own docs and types: LISTEN/NOTIFY (`useListenNotify` on the
// instance, `notify` on the queue), batch fetch (`batchSize` 100) with `burstWhenBatchFull` so a
// full batch is followed by an immediate fetch, and `localConcurrency` = concurrency. Each worker runs
// its batch's jobs one at a time, so at most `concurrency` handlers run at once, as for the others.
import pg from "pg";
import { PgBoss } from "pg-boss";
import { runPeer } from "./harness.mjs";
import { dropSchema, freshSchemaName, pgUrl, queryOne } from "./pg-schemas.mjs";

const configs = {
  default: { boss: {}, queue: {}, work: (concurrency) => ({ localConcurrency: concurrency }) },
  best: {
    boss: { useListenNotify: true },
    queue: { notify: true },
    work: (concurrency) => ({ localConcurrency: concurrency, batchSize: 100, burstWhenBatchFull: true }),
  },
};

const QUEUE = "noop";

async function open(config) {
  const { boss: bossOptions, queue: queueOptions, work } = configs[config];
  const schema = freshSchemaName("pgboss");
  const boss = new PgBoss({ connectionString: pgUrl, schema, ...bossOptions });
  boss.on("error", (err) => process.stderr.write(`[pg-boss] ${err.message}\n`));
  await boss.start();
  await boss.createQueue(QUEUE, queueOptions);
  const counter = new pg.Pool({ connectionString: pgUrl, max: 1 }); // our own, off pg-boss's pool
  return {
    enqueue: (payload) => boss.send(QUEUE, payload),
    enqueueBulk: (payloads) => boss.insert(QUEUE, payloads.map((data) => ({ data }))),
    async startWorker({ concurrency, handler }) {
      await boss.work(QUEUE, work(concurrency), async (jobs) => {
        for (const job of jobs) await handler(job.data);
      });
    },
    unfinished: () =>
      queryOne(counter, `select count(*)::int as n from "${schema}".job where name = $1 and state in ('created', 'retry', 'active')`, [QUEUE]).then(
        (r) => r.n,
      ),
    async close() {
      await boss.stop({ graceful: true, timeout: 5000 });
      await counter.end();
      await dropSchema(schema);
    },
  };
}

await runPeer({ system: "pg-boss", store: "postgres", open });
