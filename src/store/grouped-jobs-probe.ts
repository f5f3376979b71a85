import { restrictedSlots } from "./claim-budget.js";

/**
 * How long a probe's answer is trusted, ms: a grouped job enqueued by another process may wait
 * up to this long for its first claim. Looking at every claim instead would add a statement to
 * every claim (on PostgreSQL a round trip), for an answer that is nearly always "no".
 */
export const PROBE_INTERVAL_MS = 250;

/**
 * Whether grouped jobs may be waiting in some queues, so that claims take the grouped path
 * (more statements, see claimJobs) only then, and the common ungrouped claim stays as it was.
 * The answer is looked up at most once per PROBE_INTERVAL_MS per list of queues; a grouped job
 * inserted through this store counts at once; one inserted elsewhere is seen within the interval.
 */
export class GroupedJobsProbe {
  private readonly answers = new Map<string, { at: number; waiting: boolean }>();
  /** Counts inserts of grouped jobs: an answer looked up across one is already stale. */
  private inserts = 0;

  constructor(private readonly lookUp: (queues: string[]) => Promise<boolean>) {}

  /** Whether a claim should look for grouped jobs: it may take some, and some may wait. */
  async worthLooking(params: { queues: string[]; limit: number; restrictedLimit?: number }): Promise<boolean> {
    const known = this.known(params);
    if (known !== undefined) return known;
    const at = Date.now();
    const insertsBefore = this.inserts;
    const waiting = await this.lookUp(params.queues);
    if (this.inserts === insertsBefore) this.answers.set(params.queues.join("\n"), { at, waiting });
    return waiting;
  }

  /** worthLooking's answer if it needs no look-up, else undefined. */
  known(params: { queues: string[]; limit: number; restrictedLimit?: number }): boolean | undefined {
    // A claim for prefetch only (restrictedLimit 0) may take no grouped job anyway.
    if (restrictedSlots(params) === 0) return false;
    const known = this.answers.get(params.queues.join("\n"));
    return known !== undefined && Date.now() - known.at < PROBE_INTERVAL_MS ? known.waiting : undefined;
  }

  /** Passes an insert through; once it has committed grouped jobs, the next claim looks again. */
  afterInsert<T>(jobs: { groupKey: string | null }[], inserting: Promise<T>): Promise<T> {
    if (!jobs.some((j) => j.groupKey !== null)) return inserting;
    return inserting.then((inserted) => {
      this.inserts++;
      this.answers.clear();
      return inserted;
    });
  }
}
