import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queueLimit, typeLimit, type ClaimLimit } from "../../src/core/limits.js";
import type { Job, NewJob } from "../../src/core/job.js";
import { PROBE_INTERVAL_MS } from "../../src/store/grouped-jobs-probe.js";
import type { Store } from "../../src/store/store.js";
import { newJob } from "../helpers/new-job.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

/** Rate limits, concurrency caps and job groups at the store level; each backend runs this once. */
export function describeLimitsStoreConformance(factory: StoreFactory): void {
  describe(`Limits and groups, store: ${factory.name}`, () => {
    let url: string;
    let store: Store;
    const extra: Store[] = [];
    beforeEach(async () => {
      url = await factory.url();
      store = await factory.open(url);
    });
    afterEach(async () => {
      await Promise.all([store, ...extra.splice(0)].map((s) => s.close()));
    });

    const claim = (options: { limit?: number; limits?: ClaimLimit[]; restrictedLimit?: number; queues?: string[]; on?: Store } = {}) =>
      (options.on ?? store).claimJobs({
        queues: options.queues ?? ["default"],
        limit: options.limit ?? 50,
        workerId: "w1",
        leaseMs: 30_000,
        limits: options.limits,
        restrictedLimit: options.restrictedLimit,
      });
    const insert = async (jobs: Partial<NewJob>[]) => (await store.insertJobs({ jobs: jobs.map(newJob) })).map((r) => r.job);
    const complete = (jobs: Job[]) =>
      store.completeJobs({ completions: jobs.map((j) => ({ lease: { jobId: j.id, attempt: j.attempt, workerId: j.workerId! }, result: null })) });
    const payloads = (jobs: Job[]) => jobs.map((j) => j.payload).sort();
    const many = (n: number, job: Partial<NewJob>) => Array.from({ length: n }, (_, i) => ({ ...job, payload: JSON.stringify(`${job.type ?? "test"}-${i}`) }));

    it("a type's rate limit allows max starts per sliding window; other types of the queue are not held back", async () => {
      const limits = [typeLimit("mail", "default", { rateLimit: { max: 3, intervalMs: 400 } })];
      await insert([...many(10, { type: "mail" }), ...many(4, { type: "other" })]);
      const first = await claim({ limits });
      expect(first.filter((j) => j.type === "mail")).toHaveLength(3);
      expect(first.filter((j) => j.type === "other")).toHaveLength(4);
      expect(await claim({ limits })).toHaveLength(0);
      const startedAt = Date.now();
      const next = await waitFor(async () => {
        const jobs = await claim({ limits });
        return jobs.length > 0 ? jobs : null;
      }, { what: "the window to slide" });
      expect(Date.now() - startedAt).toBeGreaterThan(250);
      expect(next.map((j) => j.type)).toEqual(["mail", "mail", "mail"]);
    });

    it("a queue's rate limit counts every type in it; other queues are not held back", async () => {
      const limits = [queueLimit("default", { rateLimit: { max: 2, intervalMs: 60_000 } })];
      await insert([...many(3, { type: "a" }), ...many(3, { type: "b" }), ...many(2, { queue: "free" })]);
      const claimed = await claim({ limits, queues: ["default", "free"] });
      expect(claimed.filter((j) => j.queue === "default")).toHaveLength(2);
      expect(claimed.filter((j) => j.queue === "free")).toHaveLength(2);
      expect(await claim({ limits })).toHaveLength(0);
    });

    it("a concurrency cap counts running jobs across claimers; a finished job frees its slot", async () => {
      const limits = [typeLimit("render", "default", { concurrencyLimit: 2 })];
      await insert(many(5, { type: "render" }));
      const other = await factory.open(url);
      extra.push(other);
      const a = await claim({ limits, limit: 1 });
      const b = await claim({ limits, on: other });
      expect([a.length, b.length]).toEqual([1, 1]);
      expect(await claim({ limits })).toHaveLength(0);
      await complete(a);
      expect(await claim({ limits, on: other })).toHaveLength(1);
    });

    it("limits hold when several connections claim at once", async () => {
      const limits = [
        typeLimit("mail", "default", { rateLimit: { max: 7, intervalMs: 60_000 } }),
        typeLimit("render", "default", { concurrencyLimit: 3 }),
      ];
      await insert([...many(30, { type: "mail" }), ...many(30, { type: "render" })]);
      const stores = await Promise.all([1, 2, 3].map(() => factory.open(url)));
      extra.push(...stores);
      const rounds = await Promise.all(
        [store, ...stores].flatMap((s) => [1, 2, 3].map(() => claim({ limits, limit: 4, on: s }))),
      );
      const claimed = rounds.flat();
      expect(claimed.filter((j) => j.type === "mail")).toHaveLength(7);
      expect(claimed.filter((j) => j.type === "render")).toHaveLength(3);
    });

    it("restrictedLimit caps limited and grouped jobs in one claim, not the others", async () => {
      const limits = [typeLimit("mail", "default", { rateLimit: { max: 100, intervalMs: 60_000 } })];
      await insert([...many(5, { type: "mail" }), ...many(5, { groupKey: "g", groupLimit: 5 }), ...many(5, { type: "plain" })]);
      const claimed = await claim({ limits, restrictedLimit: 2 });
      expect(claimed.filter((j) => j.type === "plain")).toHaveLength(5);
      expect(claimed.filter((j) => j.type !== "plain")).toHaveLength(2);
    });

    it("a group runs one job at a time, oldest first; other groups and ungrouped jobs proceed", async () => {
      const [a1, a2, a3, b1, b2, free] = await insert([
        { groupKey: "a", groupLimit: 1, payload: '"a1"' },
        { groupKey: "a", groupLimit: 1, payload: '"a2"' },
        { groupKey: "a", groupLimit: 1, payload: '"a3"' },
        { groupKey: "b", groupLimit: 1, payload: '"b1"' },
        { groupKey: "b", groupLimit: 1, payload: '"b2"' },
        { payload: '"free"' },
      ]);
      const first = await claim();
      expect(payloads(first)).toEqual(["a1", "b1", "free"]);
      expect(await claim()).toHaveLength(0);
      await complete(first.filter((j) => j.id === a1!.id));
      expect(payloads(await claim())).toEqual(["a2"]);
      expect([a2, a3, b1, b2, free].every(Boolean)).toBe(true);
    });

    it("grouped jobs another connection enqueued are taken, beside ungrouped ones, by the first claim after the probe interval", async () => {
      expect(await claim()).toHaveLength(0); // this store's probe now says: no grouped jobs
      const other = await factory.open(url);
      extra.push(other);
      await other.insertJobs({ jobs: [newJob({ payload: '"free"' }), newJob({ groupKey: "a", groupLimit: 1, payload: '"a1"' }), newJob({ groupKey: "a", groupLimit: 1, payload: '"a2"' })] });
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS + 50));
      expect(payloads(await claim())).toEqual(["a1", "free"]);
      expect(await claim()).toHaveLength(0);
    });

    it("an older member waiting to retry holds back the younger ones (strict FIFO)", async () => {
      await insert([
        { groupKey: "acct", groupLimit: 1, payload: '"e1"' },
        { groupKey: "acct", groupLimit: 1, payload: '"e2"' },
      ]);
      const [e1] = await claim();
      expect(e1!.payload).toBe("e1");
      await store.failJob({
        lease: { jobId: e1!.id, attempt: e1!.attempt, workerId: "w1" },
        error: { message: "later", code: null, stack: null },
        retryDelayMs: 400,
      });
      expect(await claim()).toHaveLength(0); // e2 may not overtake e1
      const again = await waitFor(async () => (await claim()).at(0), { what: "e1's retry" });
      expect(again.payload).toBe("e1");
    });

    it("an older member not yet runnable keeps its turn: with a limit of 2, only the next one may start", async () => {
      await insert([
        { type: "first", groupKey: "g", groupLimit: 2, delayMs: 60_000 },
        { type: "second", groupKey: "g", groupLimit: 2 },
        { type: "third", groupKey: "g", groupLimit: 2 },
      ]);
      expect((await claim({ limit: 1 })).map((j) => j.type)).toEqual(["second"]);
      expect(await claim()).toHaveLength(0);
    });

    it("a group limit above one runs that many at once, in enqueue order", async () => {
      await insert(many(5, { type: "t", groupKey: "g", groupLimit: 2 }));
      const first = await claim();
      expect(payloads(first)).toEqual(["t-0", "t-1"]);
      await complete(first.slice(0, 1));
      expect(payloads(await claim())).toEqual(["t-2"]);
    });

    it("a deep backlog in one group does not hide the other groups' turns", async () => {
      await insert(many(300, { type: "deep", groupKey: "a-deep", groupLimit: 1 }));
      await insert(Array.from({ length: 20 }, (_, i) => ({ type: "shallow", groupKey: `b${String(i).padStart(2, "0")}`, groupLimit: 1 })));
      const claimed = await claim({ limit: 50 });
      expect(claimed.filter((j) => j.type === "deep")).toHaveLength(1);
      expect(claimed.filter((j) => j.type === "shallow")).toHaveLength(20);
    });

    it("groups take turns round-robin: a group with room left does not win every claim", async () => {
      await insert(["a", "b", "c"].flatMap((g) => many(3, { type: g, groupKey: g, groupLimit: 10 })));
      const firsts: string[] = [];
      for (let i = 0; i < 3; i++) firsts.push(...(await claim({ limit: 1 })).map((j) => j.type));
      expect(firsts.sort()).toEqual(["a", "b", "c"]);
    });

    it("a claim that finds no turn among the groups it may visit leaves the next claim to visit the rest", async () => {
      // 1,050 groups whose one slot is taken (more than one claim visits), then one group with a turn.
      await insert(Array.from({ length: 2_100 }, (_, i) => ({ type: "busy", groupKey: `g${String(i >> 1).padStart(4, "0")}`, groupLimit: 1 })));
      let heads = 0;
      for (let round = 0; round < 5 && heads < 1_050; round++) heads += (await claim({ limit: 2_000 })).length;
      expect(heads).toBe(1_050);
      await insert([{ type: "late", groupKey: "zzz", groupLimit: 1 }]);
      const fresh = await factory.open(url); // its visits start from the first key
      extra.push(fresh);
      const found: Job[] = [];
      for (let round = 0; round < 3 && found.length === 0; round++) found.push(...(await claim({ on: fresh, limit: 1 })));
      expect(found.map((j) => j.type)).toEqual(["late"]);
    });

    it("group limits hold when several connections claim at once", async () => {
      const groups = 12;
      await insert(Array.from({ length: groups * 4 }, (_, i) => ({ groupKey: `g${i % groups}`, groupLimit: 1 + (i % 2), payload: String(i) })));
      const stores = await Promise.all([1, 2, 3].map(() => factory.open(url)));
      extra.push(...stores);
      // Rounds of concurrent claims until one takes nothing: nothing completes meanwhile, so
      // every turn is taken exactly once and no group ever has more than its limit running.
      const claimed: Job[] = [];
      for (let round = 0; round < 20; round++) {
        const taken = (await Promise.all([store, ...stores].flatMap((s) => [1, 2].map(() => claim({ on: s, limit: 7 }))))).flat();
        if (taken.length === 0) break;
        claimed.push(...taken);
      }
      const counts = new Map<number, number>();
      for (const job of claimed) {
        const g = Number(job.payload) % groups;
        counts.set(g, (counts.get(g) ?? 0) + 1);
      }
      for (const [g, n] of counts) expect(n, `group g${g}`).toBeLessThanOrEqual(1 + (g % 2));
      // Every group got its turn somewhere: they run in parallel.
      expect(counts.size).toBe(groups);
      expect(claimed).toHaveLength(groups + groups / 2);
    });
  });
}
