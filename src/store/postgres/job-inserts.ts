import pg from "pg";
import type { TransactionClient } from "../../core/enqueue-options.js";
import type { Job, NewJob } from "../../core/job.js";
import { GroupCommit } from "../group-commit.js";
import type { InsertedJob } from "../store.js";
import { lostInsertError } from "./connection-errors.js";
import { insertJobParams, insertJobsParams, insertedRows, type InsertJobsResult } from "./insert-params.js";
import { insertedJob, jobFromRow, type JobRow } from "./rows.js";
import type { StatementRunner } from "./statement-runner.js";

/**
 * The server refused a group commit's combined insert, which therefore wrote nothing: its units
 * may be inserted one by one (see insertUnits). Never reaches a caller.
 */
class CombinedInsertRefused extends Error {}

/** Insert rounds for inputs whose idempotency key conflicted with a job that then vanished (see findLeftOut). */
const LEFT_OUT_TRIES = 3;

/** Commits of jobs with idempotency keys under way at once (see JobInserts.keyed). */
const KEYED_IN_FLIGHT = 4;

/**
 * Inserts jobs, each input answered with the job it created or, for an idempotency key that
 * exists already, the job holding that key. Inserts outside a transaction from concurrent
 * callers go in one statement (submit); on a transaction, one goes at once (insertNow).
 */
export class JobInserts {
  /** Jobs without an idempotency key: one commit at a time, of as many callers' as came meanwhile. */
  private readonly plain: GroupCommit<NewJob[], InsertedJob[]>;
  /**
   * Jobs with one. Their insert waits while another transaction holds one of their keys not yet
   * committed (an application's enqueue with `tx`, its transaction still open): kept apart, so
   * that such a wait holds up no enqueue without a key (one the open transaction itself awaits
   * would otherwise wait for it in turn, for good), and several commits at once, so that a wait
   * holds up only the keyed enqueues that share its commit (the README says what to avoid).
   */
  private readonly keyed: GroupCommit<NewJob[], InsertedJob[]>;

  /** `channel`: where the insert statements NOTIFY of new jobs (the schema's). */
  constructor(
    private readonly runner: StatementRunner,
    private readonly channel: string,
  ) {
    const commit = (units: NewJob[][]) => this.insertUnits(units);
    const retryAlone = (error: unknown) => error instanceof CombinedInsertRefused;
    this.plain = new GroupCommit(commit, { retryAlone });
    this.keyed = new GroupCommit(commit, { retryAlone, maxInFlight: KEYED_IN_FLIGHT });
  }

  /** Inserts `jobs` in one commit with other callers' (see insertUnits). */
  submit(jobs: NewJob[]): Promise<InsertedJob[]> {
    return (jobs.some((job) => job.idempotencyKey !== null) ? this.keyed : this.plain).submit(jobs);
  }

  /** Resolves once every insert submitted so far has been committed or rejected. */
  async idle(): Promise<void> {
    await Promise.all([this.plain.idle(), this.keyed.idle()]);
  }

  /** Inserts `jobs` at once, on `tx` (a caller's transaction or one of the store's) or else on the pool. */
  async insertNow(jobs: NewJob[], tx?: TransactionClient): Promise<InsertedJob[]> {
    return this.fillLeftOut(jobs, await this.insertStatement(jobs, tx), tx);
  }

  /**
   * All units of a group commit go in one statement, so one round trip commits them all. Its
   * units are tried again one by one (GroupCommit) only if the server refused that statement.
   * Any other failure may have come after it committed (a connection lost before its reply, or
   * before the lookup of existing keyed jobs that follows it): then each caller gets the error,
   * since inserting their units again would insert the jobs without a key twice, and the error
   * says the jobs may have been written (lostInsertError).
   */
  private async insertUnits(units: NewJob[][]): Promise<InsertedJob[][]> {
    const jobs = units.flat();
    let inserted: (InsertedJob | undefined)[];
    try {
      inserted = await this.insertStatement(jobs);
    } catch (error) {
      // Connection failures are StoreUnavailableError by now (run()): what is left was refused.
      if (units.length > 1 && error instanceof pg.DatabaseError) throw new CombinedInsertRefused("combined insert refused", { cause: error });
      throw lostInsertError(error, false);
    }
    let all: InsertedJob[];
    try {
      all = await this.fillLeftOut(jobs, inserted);
    } catch (error) {
      throw lostInsertError(error, true);
    }
    let start = 0;
    return units.map((jobs) => all.slice(start, (start += jobs.length)));
  }

  /** The insert itself, one statement: the inputs it left out (their key exists) are undefined. */
  private async insertStatement(jobs: NewJob[], tx?: TransactionClient): Promise<(InsertedJob | undefined)[]> {
    const [result] =
      jobs.length === 1
        ? await this.runner.query<InsertJobsResult>("insert_job", insertJobParams(jobs[0]!, this.channel), tx)
        : await this.runner.query<InsertJobsResult>("insert_jobs", insertJobsParams(jobs, this.channel), tx);
    const rows = insertedRows(result!, jobs.length);
    const results: (InsertedJob | undefined)[] = new Array(jobs.length);
    for (let i = 0; i < jobs.length; i++) {
      const row = rows[i];
      if (row !== undefined) results[i] = { job: insertedJob(jobs[i]!, row), created: true };
    }
    return results;
  }

  private async fillLeftOut(
    jobs: NewJob[],
    results: (InsertedJob | undefined)[],
    tx?: TransactionClient,
    triesLeft = LEFT_OUT_TRIES,
  ): Promise<InsertedJob[]> {
    if (results.includes(undefined)) await this.findLeftOut(jobs, results, tx, triesLeft);
    return results as InsertedJob[];
  }

  /** Fills in the inputs the insert (insert_jobs.sql, insert_job.sql) left out: their idempotency key exists already, in this batch or before it. */
  private async findLeftOut(jobs: NewJob[], results: (InsertedJob | undefined)[], tx: TransactionClient | undefined, triesLeft: number): Promise<void> {
    const byKey = new Map<string, Job>();
    for (const inserted of results) {
      if (inserted !== undefined && inserted.job.idempotencyKey !== null) byKey.set(inserted.job.idempotencyKey, inserted.job);
    }
    const missing = jobs.map((j) => j.idempotencyKey).filter((key, i) => results[i] === undefined && !byKey.has(key!));
    if (missing.length > 0) {
      for (const row of await this.runner.query<JobRow>("get_jobs_by_idempotency_keys", [missing], tx))
        byKey.set(row.idempotency_key!, jobFromRow(row));
    }
    for (const [i, input] of jobs.entries()) {
      const existing = results[i] === undefined ? byKey.get(input.idempotencyKey!) : undefined;
      if (existing !== undefined) results[i] = { job: existing, created: false };
    }
    // A conflicting job deleted between the two statements (retention) has freed its key:
    // those inputs are inserted now, as they would have been a moment later. A key that keeps
    // conflicting yet cannot be read back would loop here forever (a key PostgreSQL stored
    // other than sent did, before such keys were refused): after a few tries it is an error.
    const vanished = jobs.flatMap((_, i) => (results[i] === undefined ? [i] : []));
    if (vanished.length === 0) return;
    const keys = vanished.map((i) => JSON.stringify(jobs[i]!.idempotencyKey));
    if (triesLeft <= 1) throw new Error(`idempotency keys ${keys.join(", ")} conflict with jobs that cannot be read back by key`);
    const retried = vanished.map((i) => jobs[i]!);
    const again = await this.fillLeftOut(retried, await this.insertStatement(retried, tx), tx, triesLeft - 1);
    vanished.forEach((i, k) => (results[i] = again[k]));
  }
}
