import type pg from "pg";
import { GroupCommit, UnitFailed } from "../group-commit.js";
import type { Lease } from "../../core/job.js";
import type { Completion } from "../store.js";
import { settleEndedJobs, type PostgresEndedRow } from "./ended-jobs.js";
import { leaseRounds } from "./id-order.js";
import { leaseColumns } from "./lease-columns.js";
import type { StatementRunner } from "./statement-runner.js";

/**
 * Completes jobs under their leases, fenced: a completion whose lease was lost is refused.
 * Completions from concurrent callers are coalesced into one statement (submit); jobs in a
 * flow or batch complete with the settling of what waits for them, in one transaction.
 */
export class JobCompletions {
  private readonly groupCommit: GroupCommit<Completion[], boolean[]>;

  /** `channel`: where settling NOTIFYs of the jobs it releases (the schema's). */
  constructor(
    private readonly runner: StatementRunner,
    private readonly channel: string,
  ) {
    // Two completion commits in flight: a worker stops starting jobs while too many outcomes wait
    // to be stored, so a commit waiting on its fsync would otherwise idle the handlers. A commit
    // that failed because the server is unreachable fails every caller (GroupCommit's default);
    // its worker tries again later, and a completion that did commit is recognised by its lease.
    this.groupCommit = new GroupCommit((units) => this.completeUnits(units), { maxInFlight: 2 });
  }

  /** Completes `completions` in one commit with other callers'; `[i]`: whether completion i was accepted. */
  submit(completions: Completion[]): Promise<boolean[]> {
    return this.groupCommit.submit(completions);
  }

  /** Resolves once every completion submitted so far has been committed or rejected. */
  idle(): Promise<void> {
    return this.groupCommit.idle();
  }

  /**
   * Completes jobs of any kind and settles what waits for them, on the caller's transaction.
   * Rows are completed in id order, the order a flow cancel locks them in, so the two cannot
   * deadlock over a flow's nodes.
   */
  async completeSettling(completions: Completion[], client: pg.PoolClient): Promise<boolean[]> {
    const { accepted, rows } = await this.runCompletions(completions, true, client);
    await this.endJobs(rows, client);
    return accepted;
  }

  /**
   * Settles what waits for the jobs in `rows` that just ended, on their transaction; returns `rows`.
   * Any ending: the store's failures, cancels and rescues settle here too.
   */
  async endJobs<R extends PostgresEndedRow>(rows: R[], client: pg.PoolClient): Promise<R[]> {
    await settleEndedJobs((statement, values) => this.runner.query(statement, values, client), rows, this.channel);
    return rows;
  }

  /**
   * Completes the units in one commit, and counts as accepted a refused completion whose job
   * is already completed under the same lease: a unit sent again (by GroupCommit, or by its
   * worker) after its first commit's reply was lost. Its outcome is then reported once, as it
   * happened, instead of as a lost lease.
   */
  private async completeUnits(units: Completion[][]): Promise<(boolean[] | UnitFailed)[]> {
    const results = await this.completeUnitsOnce(units);
    // On the hot path every completion is accepted: one pass, nothing allocated per job.
    const refused: { lease: Lease; u: number; i: number }[] = [];
    units.forEach((completions, u) => {
      const accepted = results[u]!;
      if (accepted instanceof UnitFailed) return;
      for (let i = 0; i < completions.length; i++) if (!accepted[i]) refused.push({ lease: completions[i]!.lease, u, i });
    });
    if (refused.length === 0) return results;
    const leases = refused.map((r) => r.lease);
    for (const round of leaseRounds(leases)) {
      const rows = await this.runner.query<{ n: number }>("completed_under_leases", leaseColumns(leases, round));
      for (const { n } of rows) {
        const { u, i } = refused[round[n - 1]!]!;
        (results[u] as boolean[])[i] = true;
      }
    }
    return results;
  }

  private async completeUnitsOnce(units: Completion[][]): Promise<(boolean[] | UnitFailed)[]> {
    const all = units.flat();
    const { accepted } = await this.runCompletions(all, false);
    let start = 0;
    const plain = units.map((completions) => accepted.slice(start, (start += completions.length)));
    // Not accepted: jobs in a flow or batch (and completions refused for a lost lease, which
    // are refused again here). They complete with their settling, in one transaction.
    const rest = units.flatMap((completions, u) => completions.filter((_, i) => !plain[u]![i]));
    if (rest.length === 0) return plain;
    try {
      return this.withSettled(plain, await this.completeSettlingNow(rest));
    } catch (error) {
      // The plain completions have committed: failing the whole group now would have
      // GroupCommit retry them, refused, and tell their callers the lease was lost. Only the
      // units with completions left are tried again, each alone, and only those can fail.
      if (units.length === 1) throw error;
      const results: (boolean[] | UnitFailed)[] = [];
      for (const [u, completions] of units.entries()) {
        const left = completions.filter((_, i) => !plain[u]![i]);
        try {
          results.push(left.length === 0 ? plain[u]! : this.withSettled([plain[u]!], await this.completeSettlingNow(left))[0]!);
        } catch (unitError) {
          results.push(new UnitFailed(unitError));
        }
      }
      return results;
    }
  }

  private completeSettlingNow(completions: Completion[]): Promise<boolean[]> {
    return this.runner.transaction((client) => this.completeSettling(completions, client));
  }

  /** `plain` (per unit) with each completion it did not accept replaced by the next of `settled`, in order. */
  private withSettled(plain: boolean[][], settled: boolean[]): boolean[][] {
    let k = 0;
    return plain.map((accepted) => accepted.map((ok) => ok || settled[k++]!));
  }

  /**
   * Completes `completions`, in any order; the statement locks and updates rows in id order (its
   * primary-key scan of `id = ANY`). `accepted[i]`: whether completion i was. With `settling`,
   * complete_jobs.sql, for jobs of any kind, and `rows` are the jobs it completed, to settle;
   * without, complete_plain_jobs.sql, which refuses jobs in a flow or batch, and `rows` is empty.
   */
  private async runCompletions(
    completions: Completion[],
    settling: boolean,
    client?: pg.PoolClient,
  ): Promise<{ accepted: boolean[]; rows: PostgresEndedRow[] }> {
    const leases = completions.map((c) => c.lease);
    const rounds = leaseRounds(leases);
    if (rounds.length > 1) {
      // A job twice in the batch (see leaseRounds) takes several statements: all in one
      // transaction, so a failure cannot leave some committed and reported refused, and with
      // every row locked first in id order, as one statement would have locked them.
      if (client === undefined) return this.runner.transaction((tx) => this.runCompletions(completions, settling, tx));
      await this.runner.run("lock_jobs", [rounds[0]!.map((i) => leases[i]!.jobId)], client);
    }
    const accepted = new Array<boolean>(completions.length).fill(false);
    const rows: PostgresEndedRow[] = [];
    for (const round of rounds) {
      const values = [...leaseColumns(leases, round), round.map((i) => completions[i]!.result)];
      if (settling) {
        for (const row of await this.runner.query<PostgresEndedRow & { n: number }>("complete_jobs", values, client)) {
          accepted[round[row.n - 1]!] = true;
          rows.push(row);
        }
      } else {
        const [row] = await this.runner.query<{ accepted: string | null }>("complete_plain_jobs", values, client);
        for (const n of row!.accepted?.split(",") ?? []) accepted[round[Number(n) - 1]!] = true;
      }
    }
    return { accepted, rows };
  }
}
