import { ClaimBudget, ROWS_EXAMINED_PER_QUEUE, cappedLimits, restrictedSlots, windowKeys } from "../claim-budget.js";
import type { ClaimParams } from "../store.js";
import type { ClaimableValues } from "./rows.js";
import type { Statements } from "./statements.js";

/** How many groups one claim looks at, at most: bounds its cost however many groups wait. */
const GROUPS_VISITED = 1_000;
/** A group's turns are at most its limit, which enqueue caps at 10 000 (groupConcurrency). */
const MOST_GROUP_TURNS = 10_000;

/** A claimable row (read raw, see ClaimableValues) with what picking it within budgets reads. */
interface Candidate {
  values: ClaimableValues;
  type: string;
  queue: string;
  group_key: string | null;
}

const candidate = (values: ClaimableValues): Candidate => ({ values, type: values[1], queue: values[2], group_key: values[16] });
// priority DESC, run_at, id: the order every claim takes jobs in.
const claimOrder = ({ values: a }: Candidate, { values: b }: Candidate) => b[5] - a[5] || a[13] - b[13] || a[0] - b[0];

/**
 * The claim that enforces limits or takes grouped jobs; the caller runs it inside its write
 * transaction (BEGIN IMMEDIATE), which keeps every other process out, so what it reads stays
 * true until it commits. Ungrouped claims without limits never come here. Returns the rows
 * to claim (claim_jobs.sql) and writes the limits' windows back.
 */
export function claimRestricted(
  sql: Statements,
  params: ClaimParams & { grouped: boolean; now: number; groupCursor: { after: string } },
): ClaimableValues[] {
  const { queues, limit, now } = params;
  const limits = params.limits ?? [];
  const slots = restrictedSlots(params);
  const budget = limits.length > 0 && slots > 0 ? readLimits(sql, params) : ClaimBudget.spent(limits);
  const filter = budget.candidateFilter(queues, limit);
  const found = sql.select_claim_candidates.all({
    queues: JSON.stringify(queues.map((q, i) => [q, filter.queueBudgets[i]])),
    limited: JSON.stringify(filter.types.map((t, i) => [t, filter.typeQueues[i], filter.typeBudgets[i]])),
    limit,
    examined: ROWS_EXAMINED_PER_QUEUE,
    now,
  }) as ClaimableValues[];
  // No use visiting groups for more jobs than the claim may take grouped.
  if (params.grouped && slots > 0) found.push(...groupTurns(sql, { ...params, limit: slots }));
  const picked = budget.pick(found.map(candidate).sort(claimOrder), limit, slots);
  const windows = budget.windowUpdates();
  windows.keys.forEach((key, i) => sql.record_limit_starts.run({ key, starts: windows.starts[i] }));
  return picked.map((c) => c.values);
}

function readLimits(sql: Statements, params: ClaimParams & { now: number }): ClaimBudget {
  const limits = params.limits!;
  const keys = JSON.stringify(windowKeys(limits));
  sql.create_limit_windows.run({ keys });
  const windows = sql.select_limit_windows.all({ keys }) as { key: string; starts: string }[];
  const running = new Map(
    cappedLimits(limits).map((l) => [l.key, (sql.count_running_limited.get({ queue: l.queue, type: l.type }) as { running: number }).running]),
  );
  return new ClaimBudget(limits, new Map(windows.map((w) => [w.key, w.starts])), running, params.now);
}

/**
 * Members whose turn it is, from groups visited round-robin: from the key after the last one
 * this store's previous claim visited, to the end, then from the start; so every group gets
 * looked at in turn, however many others come before it in key order.
 */
function groupTurns(sql: Statements, params: ClaimParams & { now: number; groupCursor: { after: string } }): ClaimableValues[] {
  const { groupCursor } = params;
  const queues = JSON.stringify(params.queues);
  const turns: ClaimableValues[] = [];
  const start = groupCursor.after;
  let after = start;
  let wrapped = false;
  for (let visited = 0; visited < GROUPS_VISITED && turns.length < params.limit; visited++) {
    let key = (sql.next_group_key.get({ after }) as { key: string | null }).key;
    if (key !== null && wrapped && key > start) key = null;
    if (key === null) {
      if (wrapped || start === "") break;
      wrapped = true;
      after = "";
      continue;
    }
    const members = sql.select_group_turns.all({ key, limit: MOST_GROUP_TURNS, now: params.now, queues }) as ClaimableValues[];
    turns.push(...members);
    groupCursor.after = after = key;
  }
  return turns;
}
