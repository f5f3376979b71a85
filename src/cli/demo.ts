import { setTimeout as delay } from "node:timers/promises";
import { Errand } from "../errand.js";
import { printableDatabase } from "../store/printable-database.js";
import { shellWord } from "./output.js";
import type { Job } from "../core/job.js";

// Queues and job types of its own: a server working the example handlers (npm start) on the
// same file would otherwise take the demo's jobs, and the demo the server's; and a replay of
// the examples' types (the README's tour replays `sync-crm`) would also replay the demo's jobs
// into queues no server works.
const MAIL = "demo-mail";
const REPORTS = "demo-reports";

/**
 * The README's first command: enqueue a few jobs of two kinds into a SQLite file, work them
 * with live progress, and show a job that fails, retries, and ends in the dead-letter set.
 */
export async function runDemo(database: string): Promise<void> {
  const errand = await Errand.connect(database);
  const out = (line: string) => process.stdout.write(line + "\n");
  const label = (job: Job) => `#${job.id} ${job.type}`;
  // Node's timer takes the job's signal and removes its listener when it fires.
  const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal });

  const welcomeEmail = errand.define("send-welcome-email", {
    queue: MAIL,
    handler: async (payload: { to: string }, ctx) => {
      await sleep(150, ctx.signal); // the provider call
      return { messageId: `msg-${ctx.job.id}`, to: payload.to };
    },
  });
  const exportReport = errand.define("demo-export-report", {
    queue: REPORTS,
    handler: async (payload: { month: string; rows: number }, ctx) => {
      for (let step = 1; step <= 4; step++) {
        await sleep(120, ctx.signal);
        await ctx.progress(step * 25);
      }
      return { file: `reports/${payload.month}.csv`, rows: payload.rows };
    },
  });
  const syncCrm = errand.define("demo-sync-crm", {
    queue: REPORTS,
    maxAttempts: 3,
    backoff: { baseMs: 200, maxMs: 1_000, jitter: 0.2 },
    handler: async (payload: { account: string }) => {
      throw new Error(`CRM answered 503 for account ${payload.account}`);
    },
  });

  errand.on("started", ({ job }) => out(`▶ started    ${label(job)} (attempt ${job.attempt}/${job.maxAttempts})`));
  errand.on("progress", ({ job, progress }) => out(`… progress   ${label(job)} ${bar(progress)} ${progress}%`));
  errand.on("completed", ({ job, result }) => out(`✔ completed  ${label(job)} → ${JSON.stringify(result)}`));
  errand.on("retrying", ({ job, error, runAt }) =>
    out(`↻ retrying   ${label(job)} in ${Math.max(0, runAt.getTime() - Date.now())} ms: ${error.message}`),
  );
  errand.on("failed", ({ job }) => out(`✖ failed     ${label(job)} after ${job.attempt} attempts → dead-letter set`));

  const jobs = await errand.enqueueMany([
    welcomeEmail.request({ to: "ada@example.com" }),
    welcomeEmail.request({ to: "grace@example.com" }),
    exportReport.request({ month: "2026-10", rows: 1200 }),
    exportReport.request({ month: "2026-11", rows: 800 }, { priority: 5 }),
    syncCrm.request({ account: "acme" }),
  ]);
  out(`Enqueued ${jobs.length} jobs into ${printableDatabase(database)} (committed before this line printed).\n`);

  const ended = new Set<string>();
  const allEnded = new Promise<void>((resolve) => {
    const mark = ({ job }: { job: Job }) => {
      ended.add(job.id);
      if (jobs.every((j) => ended.has(j.id))) resolve();
    };
    errand.on("completed", mark);
    errand.on("failed", mark);
  });
  errand.work({ queues: [MAIL, REPORTS], concurrency: 4 });
  await allEnded;

  const failed = await errand.getJob(jobs.at(-1)!.id);
  out(`\nDead-letter set: job #${failed!.id} (${failed!.type}) kept every attempt's error:`);
  for (const e of failed!.errors) out(`  attempt ${e.attempt} at ${e.at.toISOString()}: ${e.message}`);
  out(`Replay it with: npx errand jobs retry ${failed!.id} --database ${shellWord(printableDatabase(database))}`);
  await errand.close();
}

function bar(percent: number): string {
  const filled = Math.round(percent / 10);
  return "[" + "#".repeat(filled) + "-".repeat(10 - filled) + "]";
}
