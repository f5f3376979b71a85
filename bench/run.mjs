// npm run bench — prints one JSON line per figure. BENCH_N sizes the job counts (default 20,000).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runErrandWorkloads } from "./errand-workloads.mjs";

const n = Number(process.env.BENCH_N ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), "errand-bench-"));
let seq = 0;
try {
  await runErrandWorkloads({ store: "sqlite", n, freshUrl: async () => `sqlite:${join(dir, `bench-${++seq}.db`)}` });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
