import type Database from "better-sqlite3";
import { readFileSync } from "node:fs";

/** Every statement the SQLite store runs, one .sql file each in ./sql. */
const STATEMENT_NAMES = [
  "insert_job",
  "insert_claimed_job",
  "insert_unkeyed_jobs",
  "get_job",
  "get_jobs",
  "get_job_by_idempotency_key",
  "list_jobs",
  "list_ended_jobs",
  "list_waiting_jobs",
  "list_running_jobs",
  "list_blocked_jobs",
  "count_jobs",
  "tally_ended_jobs",
  "tally_completed_jobs",
  "select_claimable",
  "claim_jobs",
  "grouped_jobs_waiting",
  "create_limit_windows",
  "select_limit_windows",
  "count_running_limited",
  "record_limit_starts",
  "select_claim_candidates",
  "next_group_key",
  "select_group_turns",
  "extend_leases",
  "complete_job",
  "completed_under_lease",
  "fail_job",
  "failed_under_lease",
  "snooze_job",
  "update_progress",
  "rescue_expired_leases",
  "cancel_job",
  "retry_job",
  "reopen_parent_edges",
  "list_lost_leases",
  "rewait_children",
  "unresolve_child_edges",
  "pause_queue",
  "resume_queue",
  "list_paused_queues",
  "list_jobs_awaiting_webhook",
  "mark_webhooks_enqueued",
  "release_children",
  "resolve_dependencies",
  "count_batch_members",
  "uncount_batch_member",
  "release_batch_callbacks",
  "insert_flow",
  "insert_dependencies",
  "get_flow",
  "list_flow_jobs",
  "list_flow_dependencies",
  "cancel_flow_jobs",
  "list_parent_jobs",
  "insert_batch",
  "set_batch_on_complete",
  "get_batch",
  "save_schedule",
  "get_schedule",
  "list_schedules",
  "list_due_schedules",
  "pause_schedule",
  "resume_schedule",
  "remove_schedule",
  "get_due_schedule",
  "advance_schedule",
  "delete_ended_jobs",
  "delete_dependencies_of_jobs",
  "mark_flows_of_jobs",
  "delete_flows_of_jobs",
  "delete_batches_of_jobs",
  "take_maintenance_lease",
  "release_maintenance_lease",
] as const;

export type StatementName = (typeof STATEMENT_NAMES)[number];
export type Statements = Record<StatementName, Database.Statement> & {
  /** insert_unkeyed_jobs.sql carrying exactly INSERT_CHUNK rows. */
  insert_unkeyed_chunk: Database.Statement;
  synchronous_normal: Database.Statement;
  synchronous_full: Database.Statement;
};

/** Rows per multi-row insert statement. */
export const INSERT_CHUNK = 64;

const readSql = (name: string) => readFileSync(new URL(`./sql/${name}.sql`, import.meta.url), "utf8");

export function prepareStatements(db: Database.Database): Statements {
  const entries = STATEMENT_NAMES.map((name) => [name, db.prepare(readSql(name))] as const);
  return {
    ...(Object.fromEntries(entries) as Record<StatementName, Database.Statement>),
    // Read as arrays: see ClaimableValues in rows.ts.
    select_claimable: db.prepare(readSql("select_claimable")).raw(true),
    select_claim_candidates: db.prepare(readSql("select_claim_candidates")).raw(true),
    select_group_turns: db.prepare(readSql("select_group_turns")).raw(true),
    insert_unkeyed_chunk: db.prepare(repeatLastTuple(readSql("insert_unkeyed_jobs"), INSERT_CHUNK)),
    // Pragmas, not SQL files: they set how this connection commits, they touch no data.
    synchronous_normal: db.prepare("PRAGMA synchronous = NORMAL"),
    synchronous_full: db.prepare("PRAGMA synchronous = FULL"),
  };
}

/** Repeats the final `(?, …)` tuple of an INSERT … VALUES statement `times` times. */
function repeatLastTuple(sql: string, times: number): string {
  const start = sql.lastIndexOf("(");
  const tuple = sql.slice(start).trim();
  if (!/^\((\?,\s*)*\?\)$/.test(tuple)) throw new Error("insert_unkeyed_jobs.sql must end with its VALUES tuple");
  return sql.slice(0, start) + Array(times).fill(tuple).join(",\n  ");
}
