import { readFileSync } from "node:fs";
import { withSchema, type SchemaName } from "./schema-name.js";

/** Every statement the PostgreSQL store runs, one .sql file each in ./sql. */
const STATEMENT_NAMES = [
  "insert_jobs",
  "insert_job",
  "insert_claimed_job",
  "get_job",
  "get_jobs",
  "get_jobs_by_idempotency_keys",
  "lock_job",
  "lock_jobs",
  "list_jobs",
  "count_jobs",
  "claim_jobs",
  "grouped_jobs_waiting",
  "create_limit_windows",
  "lock_limit_windows",
  "count_running_limited",
  "lock_claimable_groups",
  "lock_claim_candidates",
  "claim_jobs_by_id",
  "record_limit_starts",
  "extend_leases",
  "complete_jobs",
  "complete_plain_jobs",
  "completed_under_leases",
  "fail_job",
  "failed_under_lease",
  "snooze_jobs",
  "update_progress",
  "rescue_expired_leases",
  "cancel_job",
  "retry_job",
  "reopen_parent_edges",
  "pause_queue",
  "resume_queue",
  "list_paused_queues",
  "list_jobs_awaiting_webhook",
  "mark_webhooks_enqueued",
  "release_children",
  "count_batch_members",
  "release_batch_callbacks",
  "lock_parents_of_job",
  "rewait_children",
  "notify_canceled",
  "uncount_batch_member",
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
  "lock_due_schedule",
  "advance_schedule",
  "delete_ended_jobs",
  "fold_ended_tallies",
  "take_maintenance_lease",
  "release_maintenance_lease",
  "now",
  "migration_lock",
  "migration_bookkeeping",
  "migration_version",
  "migration_table_present",
  "migration_record",
] as const;

export type StatementName = (typeof STATEMENT_NAMES)[number];

/**
 * Statements planned for each call's values instead of prepared once per connection: their
 * best plan depends on a parameter (which index serves a listing depends on the state asked
 * for), and a prepared statement's plan is soon one generic plan for every value.
 */
const PLANNED_PER_CALL: ReadonlySet<StatementName> = new Set(["list_jobs"]);

/**
 * `name` lets pg prepare the statement once per connection and reuse its plan; it includes
 * the schema because one connection (a caller's transaction) may serve stores of two schemas.
 * Undefined for a statement planned per call (PLANNED_PER_CALL).
 */
export interface Statement {
  readonly name: string | undefined;
  readonly text: string;
}

export type Statements = Record<StatementName, Statement>;

/** Parts that more than one statement must spell alike: `{{name}}` in a statement is replaced by sql/name.fragment.sql. */
// In this order: complete_update holds lease_held, which holds lease_matches, each replaced after its holder.
const FRAGMENTS = ["claimed_rows", "complete_update", "lease_held", "lease_matches", "tally_completed", "insert_from_input", "job_row", "schedule_row", "batch_row", "batch_summary_payload"] as const;

const readSql = (file: string) => readFileSync(new URL(`./sql/${file}`, import.meta.url), "utf8");

export function loadStatements(schema: SchemaName): Statements {
  const fragments = FRAGMENTS.map((name) => [`{{${name}}}`, readSql(`${name}.fragment.sql`).trimEnd()] as const);
  const entries = STATEMENT_NAMES.map((name) => {
    let text = readSql(`${name}.sql`);
    for (const [marker, fragment] of fragments) text = text.replaceAll(marker, fragment);
    const prepared = PLANNED_PER_CALL.has(name) ? undefined : `errand:${schema.name}:${name}`;
    return [name, { name: prepared, text: withSchema(text, schema) }] as const;
  });
  return Object.fromEntries(entries) as Statements;
}
