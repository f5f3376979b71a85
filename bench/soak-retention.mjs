// npm run soak:retention — enqueues and works jobs for SOAK_SECONDS (default 60) under a tight
// retention policy and prints, once a second, one JSON line with the job table's row count, so
// one can see it level off instead of growing with the jobs processed. Ends with a verdict
// line and exits 1 if the table kept growing. SOAK_DATABASE_URL picks the store (default: a
// fresh SQLite file; a postgres:// URL with ?schema= works too, and that schema is left behind).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Errand, PermanentError } from "../dist/index.js";

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const dir = mkdtempSync(join(tmpdir(), "errand-soak-"));
const url = process.env.SOAK_DATABASE_URL ?? `sqlite:${join(dir, "soak.db")}`;
// Keep 2 s of completed jobs (at most 2,000) and the newest 200 failed ones; sweep every 500 ms.
const retention = {
  completed: { maxAgeMs: 2_000, maxCount: 2_000 },
  failed: { maxAgeMs: null, maxCount: 200 },
  intervalMs: 500,
};
const errand = await Errand.connect(url, { retention });
const work = errand.define("soak", {
  maxAttempts: 1,
  // One job in twenty fails, so the failed set is trimmed too.
  handler: async ({ i }) => {
    if (i % 20 === 0) throw new PermanentError("soak failure");
    return { i };
  },
});
errand.work({ concurrency: 20 });

let enqueued = 0;
let producing = true;
const producer = (async () => {
  while (producing) {
    await errand.enqueueMany(Array.from({ length: 100 }, () => work.request({ i: enqueued++ })));
    await new Promise((r) => setTimeout(r, 50));
  }
})();

const rowsNow = async () => {
  const counts = await errand.store.countJobs({});
  let rows = 0;
  const byState = {};
  for (const { counts: c } of counts) for (const [state, n] of Object.entries(c)) {
    rows += n;
    byState[state] = (byState[state] ?? 0) + n;
  }
  return { rows, completed: byState.completed ?? 0, failed: byState.failed ?? 0 };
};

const samples = [];
const startedAt = Date.now();
for (let s = 1; s <= seconds; s++) {
  await new Promise((r) => setTimeout(r, startedAt + s * 1000 - Date.now()));
  const sample = { second: s, enqueued, ...(await rowsNow()) };
  samples.push(sample);
  process.stdout.write(JSON.stringify(sample) + "\n");
}
producing = false;
await producer;
await errand.close();
rmSync(dir, { recursive: true, force: true });

// Bounded: the second half's largest table is no bigger than the first half's largest plus a
// margin, although the jobs processed kept growing.
const half = Math.floor(samples.length / 2);
const firstMax = Math.max(...samples.slice(0, half).map((s) => s.rows));
const secondMax = Math.max(...samples.slice(half).map((s) => s.rows));
const bounded = secondMax <= firstMax * 1.5 + 1_000;
process.stdout.write(JSON.stringify({ verdict: bounded ? "bounded" : "growing", enqueued, firstHalfMaxRows: firstMax, secondHalfMaxRows: secondMax }) + "\n");
process.exit(bounded ? 0 : 1);
