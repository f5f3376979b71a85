import { limitCounts, type ClaimLimit } from "../core/limits.js";

/** A rate limit's log: [ms since epoch, jobs started] per claim, within the last interval. */
export type StartLog = [number, number][];

/** A waiting job a claim could take: what deciding which limits count it needs. */
export interface Candidate {
  type: string;
  queue: string;
  group_key: string | null;
}

/**
 * How many waiting jobs a claim looks at in a queue with type limits (see the candidates
 * statements): bounds its cost however long a limited type's backlog is.
 */
export const ROWS_EXAMINED_PER_QUEUE = 200;

/** How many limited or grouped jobs a claim may take (see ClaimParams.restrictedLimit). */
export function restrictedSlots(params: { limit: number; restrictedLimit?: number }): number {
  return Math.max(0, Math.min(params.limit, params.restrictedLimit ?? params.limit));
}

/** The limit windows' keys a claim locks, sorted so that claimers lock them in one order. */
export function windowKeys(limits: readonly ClaimLimit[]): string[] {
  return [...new Set(limits.map((l) => l.key))].sort();
}

/** The limits whose running jobs a claim must count (those with a concurrency cap). */
export function cappedLimits(limits: readonly ClaimLimit[]): ClaimLimit[] {
  return limits.filter((l) => l.concurrencyLimit !== null);
}

/**
 * What a claim that enforces limits may take, decided under the locks of the limits' windows
 * (both stores hold them for the whole claim, see migrations/*_limits.sql), and what it writes
 * back. A rate limit allows `max` starts in any window of `intervalMs` ending now (a sliding
 * log, so never more, even across a window boundary); a cap allows `concurrencyLimit` minus
 * the jobs running now. The stricter one wins.
 */
export class ClaimBudget {
  private readonly budgets = new Map<string, number>();
  private readonly charged = new Map<string, number>();

  constructor(
    private readonly limits: readonly ClaimLimit[],
    /** Each window's log as stored (JSON text), by key. */
    private readonly logs: Map<string, string>,
    /** Running jobs per key, for the capped limits. */
    running: Map<string, number>,
    /** The store's clock, read after the windows were locked: the time the claim's starts are recorded at. */
    readonly now: number,
  ) {
    for (const limit of limits) {
      let budget = Number.POSITIVE_INFINITY;
      if (limit.rateLimit !== null) {
        const used = this.recent(limit).reduce((n, [, count]) => n + count, 0);
        budget = limit.rateLimit.max - used;
      }
      if (limit.concurrencyLimit !== null) budget = Math.min(budget, limit.concurrencyLimit - (running.get(limit.key) ?? 0));
      this.budgets.set(limit.key, Math.max(0, budget));
    }
  }

  /**
   * What the candidates query needs: each queue's budget (null: no queue limit), and each type
   * limit's queue and budget (for the queue's other jobs, the type's are left out). Budgets are
   * capped at `limit`, which also keeps Infinity out of integer parameters.
   */
  candidateFilter(queues: string[], limit: number) {
    const budget = (key: string) => Math.min(this.budgets.get(key) ?? 0, limit);
    const queueLimits = new Set(this.limits.filter((l) => l.type === null).map((l) => l.queue));
    const typeLimits = this.limits.filter((l) => l.type !== null);
    return {
      queueBudgets: queues.map((q) => (queueLimits.has(q) ? budget(`queue:${q}`) : null)),
      types: typeLimits.map((l) => l.type!),
      typeQueues: typeLimits.map((l) => l.queue),
      typeBudgets: typeLimits.map((l) => budget(l.key)),
    };
  }

  /**
   * Takes candidates in order while every limit that counts them has room, up to `limit` jobs,
   * of which at most `restrictedLimit` are limited or grouped: those are claimed for free
   * slots only, never prefetched, since one waiting in a worker's buffer would hold a limited
   * start or its group's turn while other workers sit idle.
   */
  pick<C extends Candidate>(candidates: C[], limit: number, restrictedLimit: number): C[] {
    const picked: C[] = [];
    let restricted = 0;
    for (const candidate of candidates) {
      if (picked.length === limit) break;
      const keys = this.keysCounting(candidate);
      const isRestricted = keys.length > 0 || candidate.group_key !== null;
      if (isRestricted && restricted >= restrictedLimit) continue;
      if (keys.some((key) => this.budgets.get(key)! <= 0)) continue;
      for (const key of keys) {
        this.budgets.set(key, this.budgets.get(key)! - 1);
        this.charged.set(key, (this.charged.get(key) ?? 0) + 1);
      }
      if (isRestricted) restricted++;
      picked.push(candidate);
    }
    return picked;
  }

  /**
   * A budget for a claim that may take no limited job (no free slot: prefetch only). It needs
   * no lock and no count, since it can charge nothing: limited jobs are simply left out.
   */
  static spent(limits: readonly ClaimLimit[]): ClaimBudget {
    return new ClaimBudget(limits.map((l) => ({ ...l, rateLimit: null, concurrencyLimit: 0 })), new Map(), new Map(), 0);
  }

  /** The logs of the rate limits this claim charged, to store: pruned, plus this claim's starts. */
  windowUpdates(): { keys: string[]; starts: string[] } {
    const keys: string[] = [];
    const starts: string[] = [];
    for (const limit of this.limits) {
      const count = this.charged.get(limit.key) ?? 0;
      if (limit.rateLimit === null || count === 0) continue;
      keys.push(limit.key);
      starts.push(JSON.stringify([...this.recent(limit), [this.now, count]]));
    }
    return { keys, starts };
  }

  /** The entries of a rate limit's log still inside the window (one `intervalMs` ago has left it). */
  private recent(limit: ClaimLimit): StartLog {
    const log = JSON.parse(this.logs.get(limit.key) ?? "[]") as StartLog;
    return log.filter(([at]) => at > this.now - limit.rateLimit!.intervalMs);
  }

  private keysCounting(candidate: Candidate): string[] {
    return this.limits
      .filter((l) => limitCounts(l, candidate))
      .map((l) => l.key);
  }
}
