import type Database from "better-sqlite3";
import { readFileSync } from "node:fs";

/** Every statement the SQLite store runs, one .sql file each in ./sql. */
const STATEMENT_NAMES = [
  "insert_job",
  "get_job",
  "get_job_by_idempotency_key",
  "list_jobs",
  "count_jobs",
  "select_claimable",
  "claim_jobs",
  "extend_leases",
  "complete_job",
  "fail_job",
  "snooze_job",
  "update_progress",
  "rescue_expired_leases",
  "cancel_job",
  "retry_job",
  "pause_queue",
  "resume_queue",
  "list_paused_queues",
  "list_jobs_awaiting_webhook",
  "mark_webhooks_enqueued",
] as const;

export type StatementName = (typeof STATEMENT_NAMES)[number];
export type Statements = Record<StatementName, Database.Statement>;

export function prepareStatements(db: Database.Database): Statements {
  const entries = STATEMENT_NAMES.map((name) => {
    const sql = readFileSync(new URL(`./sql/${name}.sql`, import.meta.url), "utf8");
    return [name, db.prepare(sql)] as const;
  });
  return Object.fromEntries(entries) as Statements;
}
