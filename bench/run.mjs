// npm run bench — prints one JSON line per figure. BENCH_N sizes the job counts (default 20,000);
// BENCH_ONLY=batch_,process_ (metric name prefixes) runs just those figures.
// SQLite runs on temp files; PostgreSQL on BENCH_POSTGRES_URL (default postgres://localhost:5432/test),
// a fresh schema per workload, skipped with a note on stderr when the server is unreachable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runErrandWorkloads } from "./errand-workloads.mjs";
import { sqliteFiles } from "./fresh-stores.mjs";
import { fillFinished, postgresReachable, postgresSchemas } from "./postgres.mjs";

const n = Number(process.env.BENCH_N ?? 20_000);
const only = process.env.BENCH_STORE; // "sqlite" or "postgres" to run one store

if (only === undefined || only === "sqlite") {
  const dir = mkdtempSync(join(tmpdir(), "errand-bench-"));
  try {
    await runErrandWorkloads({ store: "sqlite", n, stores: sqliteFiles(dir) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if ((only === undefined || only === "postgres") && (await postgresReachable())) {
  const schemas = postgresSchemas();
  try {
    await runErrandWorkloads({ store: "postgres", n, stores: schemas, fillFinished, notifies: true });
  } finally {
    await schemas.dropAll();
  }
}
