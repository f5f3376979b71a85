import type { Lease } from "../../core/job.js";

// Statements that take rows by key in arrays (lease_held.fragment.sql, release_children.sql)
// want the arrays ascending by id, no id twice: they find an entry by binary search.

/** Job ids are decimal strings of up to 19 digits: compared as numbers, exactly. */
export const compareIds = (a: string, b: string) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);
/**
 * The positions in `leases` of each statement that lease_held.fragment.sql serves: by job id,
 * no job twice in one statement. A job comes twice only when a zombie run's lease and the lease
 * of the run that replaced it meet in one batch; the second goes in a statement of its own.
 */
export function leaseRounds(leases: Lease[]): number[][] {
  const order = leases.map((_, i) => i).sort((a, b) => compareIds(leases[a]!.jobId, leases[b]!.jobId));
  const rounds: number[][] = [];
  let round = 0;
  order.forEach((i, k) => {
    round = k > 0 && leases[order[k - 1]!]!.jobId === leases[i]!.jobId ? round + 1 : 0;
    (rounds[round] ??= []).push(i);
  });
  return rounds;
}
