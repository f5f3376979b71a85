import type { NewJob } from "../../core/job.js";
import { backoffText } from "../backoff-text.js";
import type { JobState } from "../../core/states.js";
import type { InsertedRow } from "./rows.js";

/**
 * A column of insert_jobs.sql: one value per job, or, when every job has the same value, none
 * per job and that value once. Most columns of a bulk enqueue are the same for every job (type,
 * queue, backoff, the NULLs of options not used); sending them once spares the array escaping
 * here and the parsing of 1 000 values on the server.
 */
function column<T>(jobs: NewJob[], valueOf: (job: NewJob) => T): [perJob: T[] | null, shared: T | null] {
  const first = valueOf(jobs[0]!);
  let i = 1;
  let value = first;
  while (i < jobs.length && (value = valueOf(jobs[i]!)) === first) i++;
  if (i === jobs.length) return [null, first];
  const values = new Array<T>(jobs.length).fill(first, 0, i);
  values[i] = value;
  for (i++; i < jobs.length; i++) values[i] = valueOf(jobs[i]!);
  return [values, null];
}

/** The columns of a new job, in the order of insert_jobs.sql's pairs ($3,$4 type … $37,$38 batch_id) and of insert_job.sql's parameters ($3 type … $20 batch_id). */
const COLUMNS: ((job: NewJob) => unknown)[] = [
  (j) => j.type,
  (j) => j.queue,
  (j) => j.priority,
  // pg writes a Date as text to the millisecond: the row gets exactly the Job's run time.
  (j) => j.runAt,
  (j) => j.delayMs,
  (j) => j.maxAttempts,
  (j) => j.timeoutMs,
  (j) => backoffText(j.backoff),
  (j) => j.idempotencyKey,
  (j) => j.correlationId,
  (j) => j.webhookUrl,
  (j) => j.groupKey,
  (j) => j.groupLimit,
  (j) => j.flowId,
  (j) => j.flowNode,
  (j) => j.parentsWaiting,
  (j) => j.onParentFailure,
  (j) => j.batchId,
];

/** The parameters of insert_jobs.sql: $1 the payloads as a JSON array, $2 the NOTIFY channel, then the column pairs. */
export function insertJobsParams(jobs: NewJob[], channel: string): unknown[] {
  return [`[${jobs.map((j) => j.payload).join(",")}]`, channel, ...COLUMNS.flatMap((valueOf) => column(jobs, valueOf))];
}

/** The parameters of insert_job.sql: $1 the payload, $2 the NOTIFY channel, then one value per column. */
export function insertJobParams(job: NewJob, channel: string): unknown[] {
  return [job.payload, channel, ...COLUMNS.map((valueOf) => valueOf(job))];
}

/** The one row insert_jobs.sql (and insert_job.sql) returns (see its header). */
export interface InsertJobsResult {
  created_at: Date;
  first_id: string;
  ids: string | null;
  states: string;
  not_inserted: string | null;
}

const STATE_LETTERS: Record<string, JobState> = { p: "pending", s: "scheduled", b: "blocked" };

/** Element i: what the server decided for input i (of `count`), or undefined if it was not inserted. */
export function insertedRows(result: InsertJobsResult, count: number): (InsertedRow | undefined)[] {
  const ids = result.ids === null ? consecutiveIds(result.first_id, count) : result.ids.split(",");
  const skipped = result.not_inserted === null ? null : new Set(result.not_inserted.split(","));
  const sharedState = result.states.length === 1 ? STATE_LETTERS[result.states]! : null;
  return ids.map((id, i) =>
    skipped?.has(id) ? undefined : { id, state: sharedState ?? STATE_LETTERS[result.states[i]!]!, created_at: result.created_at },
  );
}

/** `count` ids from `first` up, as decimal text; bigint arithmetic only past 2^53. */
function consecutiveIds(first: string, count: number): string[] {
  const ids = new Array<string>(count);
  const start = Number(first);
  if (Number.isSafeInteger(start + count)) {
    for (let i = 0; i < count; i++) ids[i] = String(start + i);
  } else {
    const big = BigInt(first);
    for (let i = 0; i < count; i++) ids[i] = String(big + BigInt(i));
  }
  return ids;
}
