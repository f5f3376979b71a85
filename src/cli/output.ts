import type { Job } from "../core/job.js";
import { jobToJson } from "../server/wire-format.js";

/**
 * `--json` prints what the HTTP API answers for the same thing (snake_case, the shapes of its
 * OpenAPI document), so one script or jq filter reads both.
 */
/** `text` as one shell word, quoted only if it must be, for a command line printed to be pasted. */
export function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** Prints either JSON (for scripts, `--json`) or a short human line per job. */
export function printJobs(jobs: Job[], json: boolean): void {
  if (json) {
    printJson(jobs.map(jobToJson));
    return;
  }
  if (jobs.length === 0) {
    process.stdout.write("no jobs\n");
    return;
  }
  for (const job of jobs) process.stdout.write(jobLine(job) + "\n");
}

export function jobLine(job: Job): string {
  const progress = job.progress === null ? "" : ` ${Math.round(job.progress)}%`;
  const attempts = `attempt ${job.attempt}/${job.maxAttempts}`;
  return `#${job.id}  ${job.type}  [${job.queue}]  ${job.state}${progress}  ${attempts}  created ${job.createdAt.toISOString()}`;
}

export function printJobDetail(job: Job, json: boolean): void {
  if (json) {
    printJson(jobToJson(job));
    return;
  }
  // What leads to the job's log lines and its worker: the ids and times an on-call engineer searches by.
  const optional = (label: string, value: string | null) => (value === null ? [] : [`  ${label}${value}`]);
  const lines = [
    jobLine(job),
    `  payload: ${JSON.stringify(job.payload)}`,
    `  result:  ${JSON.stringify(job.result)}`,
    `  run at:  ${job.runAt.toISOString()}${job.idempotencyKey ? `   idempotency key: ${job.idempotencyKey}` : ""}`,
    ...optional("started:  ", job.startedAt?.toISOString() ?? null),
    ...optional("finished: ", job.finishedAt?.toISOString() ?? null),
    ...optional("worker:   ", job.workerId),
    ...optional("correlation id: ", job.correlationId),
    ...job.errors.map((e) => `  error (attempt ${e.attempt}, ${e.at.toISOString()}): ${e.message}`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
