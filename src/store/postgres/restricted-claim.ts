import { ClaimBudget, ROWS_EXAMINED_PER_QUEUE, cappedLimits, restrictedSlots, windowKeys } from "../claim-budget.js";
import type { ClaimParams } from "../store.js";
import type { ClaimedRow } from "./claimed-rows.js";
import type { StatementName } from "./statements.js";

/** Runs one statement on the claim's transaction; with `arrays`, each row comes as an array of its columns. */
export type QueryOn = <R>(statement: StatementName, values: unknown[], options?: { arrays: boolean }) => Promise<R[]>;

/** Thrown when a limit's window row does not exist yet: create it outside the claim, then claim again. */
export class MissingLimitWindows extends Error {
  constructor(readonly keys: string[]) {
    super("limit windows missing");
  }
}

/** How many groups one claim looks at, at most: bounds its cost however many groups wait. */
const GROUPS_VISITED = 1_000;

/**
 * The claim that enforces limits or takes grouped jobs, as statements of one transaction (the
 * caller's). Ungrouped claims without limits never come here (claim_jobs.sql, one statement).
 * Order: lock the limits' windows (key order) and count their running jobs; lock the groups
 * whose turn it may be (skipping those another claimer holds); lock the candidate jobs; pick
 * within the budgets; claim by id; write the windows back. Locks last until commit.
 */
export async function claimRestricted(
  query: QueryOn,
  params: ClaimParams & { grouped: boolean; lockNamespace: string; groupCursor: { after: string } },
): Promise<ClaimedRow[]> {
  const limits = params.limits ?? [];
  const slots = restrictedSlots(params);
  const enforcing = limits.length > 0 && slots > 0;
  const budget = enforcing ? await lockLimits(query, params) : ClaimBudget.spent(limits);
  // No use locking more groups than the claim may take grouped jobs.
  const groupKeys = params.grouped && slots > 0 ? await lockGroups(query, { ...params, limit: slots }) : [];
  const filter = budget.candidateFilter(params.queues, params.limit);
  const candidates = await query<{ id: string; type: string; queue: string; group_key: string | null }>(
    "lock_claim_candidates",
    [
      params.queues,
      filter.queueBudgets,
      filter.types,
      filter.typeQueues,
      filter.typeBudgets,
      params.limit,
      groupKeys,
      ROWS_EXAMINED_PER_QUEUE,
    ],
  );
  const picked = budget.pick(candidates, params.limit, slots);
  if (picked.length === 0) return [];
  const ids = picked.map((c) => c.id);
  const startedAt = enforcing ? budget.now : null;
  const rows = await query<ClaimedRow>("claim_jobs_by_id", [ids, params.workerId, params.leaseMs, startedAt], { arrays: true });
  const windows = budget.windowUpdates();
  if (windows.keys.length > 0) await query("record_limit_starts", [windows.keys, windows.starts]);
  return rows;
}

async function lockLimits(query: QueryOn, params: ClaimParams): Promise<ClaimBudget> {
  const limits = params.limits!;
  const keys = windowKeys(limits);
  const windows = await query<{ key: string; starts: string; now_ms: number }>("lock_limit_windows", [keys]);
  if (windows.length < keys.length) {
    const found = new Set(windows.map((w) => w.key));
    throw new MissingLimitWindows(keys.filter((k) => !found.has(k)));
  }
  const capped = cappedLimits(limits);
  const running = new Map<string, number>();
  if (capped.length > 0) {
    const counts = await query<{ n: number; running: number }>("count_running_limited", [
      capped.map((l) => l.queue),
      capped.map((l) => l.type),
    ]);
    for (const c of counts) running.set(capped[c.n - 1]!.key, c.running);
  }
  return new ClaimBudget(limits, new Map(windows.map((w) => [w.key, w.starts])), running, windows[0]!.now_ms);
}

/**
 * Groups are visited round-robin: from the key after the last one visited by this store's
 * previous claim, to the end, then from the start; so every group gets looked at in turn,
 * however many others come before it in key order.
 */
async function lockGroups(
  query: QueryOn,
  params: ClaimParams & { lockNamespace: string; groupCursor: { after: string } },
): Promise<string[]> {
  const { queues, limit, lockNamespace, groupCursor } = params;
  const start = groupCursor.after;
  const visit = async (after: string, upTo: string | null, most: number) => {
    const rows = await query<{ key: string; locked: boolean; visited: number }>("lock_claimable_groups", [
      queues, most, after, upTo, GROUPS_VISITED, lockNamespace,
    ]);
    const last = rows.at(-1);
    if (last !== undefined) groupCursor.after = last.key;
    // Every key up to the end was visited: neither enough groups locked nor the visits used up.
    const reachedEnd = last === undefined || (last.visited < GROUPS_VISITED && rows.length - 1 < most);
    return { keys: rows.filter((r) => r.locked).map((r) => r.key), reachedEnd };
  };
  const first = await visit(start, null, limit);
  if (first.keys.length === limit || !first.reachedEnd || start === "") return first.keys;
  const second = await visit("", start, limit - first.keys.length);
  return [...first.keys, ...second.keys];
}
