// npm run bench — prints one JSON line per figure. BENCH_N sizes the job counts (default 20,000).
// BENCH_WORKLOADS=flows runs only the flow workloads (bench/flow-workloads.mjs).
// SQLite runs on temp files; PostgreSQL on BENCH_POSTGRES_URL (default postgres://localhost:5432/test),
// a fresh schema per workload, skipped with a note on stderr when the server is unreachable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runErrandWorkloads } from "./errand-workloads.mjs";
import { runFlowWorkloads } from "./flow-workloads.mjs";
import { fillFinished, postgresReachable, postgresSchemas } from "./postgres.mjs";

const n = Number(process.env.BENCH_N ?? 20_000);
const only = process.env.BENCH_STORE; // "sqlite" or "postgres" to run one store
const flowsOnly = process.env.BENCH_WORKLOADS === "flows";
const runAll = async (options) => {
  if (!flowsOnly) await runErrandWorkloads(options);
  await runFlowWorkloads(options);
};

if (only === undefined || only === "sqlite") {
  const dir = mkdtempSync(join(tmpdir(), "errand-bench-"));
  let seq = 0;
  try {
    await runAll({ store: "sqlite", n, freshUrl: async () => `sqlite:${join(dir, `bench-${++seq}.db`)}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if ((only === undefined || only === "postgres") && (await postgresReachable())) {
  const schemas = postgresSchemas();
  try {
    await runAll({ store: "postgres", n, freshUrl: schemas.freshUrl, fillFinished });
  } finally {
    await schemas.dropAll();
  }
}
