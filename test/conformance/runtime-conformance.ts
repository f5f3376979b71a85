import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import {
  CancelJob,
  ClosedError,
  JobCanceledError,
  JobStateConflictError,
  JobTimeoutError,
  PermanentError,
  SnoozeJob,
  ValidationError,
} from "../../src/core/errors.js";
import type { JobEventName } from "../../src/core/events.js";
import type { Store } from "../../src/store/store.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const fast = { leaseMs: 2_000, heartbeatMs: 100, pollIntervalMs: 50, reaperIntervalMs: 100 };
const quickBackoff = { baseMs: 10, maxMs: 20, jitter: 0 };

/** Library and worker behaviour through the public Errand API; each backend runs this once. */
export function describeRuntimeConformance(factory: StoreFactory): void {
  describe(`Runtime conformance: ${factory.name}`, () => {
    let url: string;
    let errand: Errand;
    const others: Errand[] = [];
    const connect = async () => Errand.connect(await factory.open(url));
    beforeEach(async () => {
      url = await factory.url();
      errand = await connect();
    });
    afterEach(async () => {
      await Promise.all([errand, ...others.splice(0)].map((e) => e.close({ graceMs: 0 })));
    });

    const recordEvents = (e: Errand) => {
      const seen: string[] = [];
      for (const name of ["enqueued", "started", "progress", "completed", "retrying", "failed", "canceled"] as JobEventName[])
        e.on(name, ({ job }) => seen.push(`${name}:${job.id}`));
      return seen;
    };

    it("lets a handler take ctx apart: each member works on its own", async () => {
      const job = errand.define("destructured", {
        handler: async (_p: Record<string, never>, { job: claimed, signal, progress, parents }) => {
          await progress(30);
          return { id: claimed.id, aborted: signal.aborted, isSignal: signal instanceof AbortSignal, parents: await parents() };
        },
      });
      const reported: number[] = [];
      errand.on("progress", ({ progress }) => reported.push(progress));
      errand.work({ ...fast, concurrency: 1 });
      const enqueued = await job.enqueue({});
      const done = await waitFor(async () => {
        const j = await errand.getJob(enqueued.id);
        return j?.state === "completed" ? j : null;
      });
      expect(done).toMatchObject({ progress: 100, result: { id: enqueued.id, aborted: false, isSignal: true, parents: {} } });
      expect(reported).toEqual([30]); // the progress taken apart from ctx reported
    });

    it("runs a typed handler with its JSON payload, stores progress and result, and emits events in order", async () => {
      const seen = recordEvents(errand);
      const email = errand.define("send-email", {
        handler: async (payload: { to: string; tags: string[] }, ctx) => {
          await ctx.progress(50);
          return { sent: payload.to, tags: payload.tags.length, attempt: ctx.job.attempt };
        },
      });
      errand.work({ ...fast, concurrency: 2 });
      const job = await email.enqueue({ to: "a@b.c", tags: ["x", "y"] });
      expect(job.state).toBe("pending");
      const done = await waitFor(async () => {
        const j = await errand.getJob(job.id);
        return j?.state === "completed" ? j : null;
      });
      // Completed is all done: 100, whatever the handler reported last (a bar left at 50 % would say otherwise).
      expect(done).toMatchObject({ result: { sent: "a@b.c", tags: 2, attempt: 1 }, progress: 100, attempt: 1 });
      await waitFor(() => seen.includes(`completed:${job.id}`));
      // A worker's events of one job come in order. `enqueued` is emitted when enqueue() resolves;
      // on PostgreSQL a listening worker may have started the job by then (NOTIFY and the
      // insert's reply race on two connections), so only its presence is asserted.
      expect(seen.filter((e) => !e.startsWith("enqueued:"))).toEqual([`started:${job.id}`, `progress:${job.id}`, `completed:${job.id}`]);
      expect(seen).toContain(`enqueued:${job.id}`);
    });

    it("gives a handler a ctx it can take apart, and log as JSON: its job, not the worker's insides", async () => {
      const echo = errand.define("echo-ctx", {
        timeoutMs: 10_000,
        handler: async (_payload: Record<string, never>, ctx) => {
          const { progress, signal, job } = ctx;
          await progress(30);
          const logged = JSON.parse(JSON.stringify(ctx)) as Record<string, unknown>;
          return { keys: Object.keys(logged).filter((k) => k !== "signal"), jobId: (logged.job as { id: string }).id, matches: job.id, aborted: signal.aborted };
        },
      });
      const reported: number[] = [];
      errand.on("progress", ({ progress }) => reported.push(progress));
      errand.work({ ...fast, concurrency: 1 });
      const job = await echo.enqueue({});
      const done = await waitFor(async () => {
        const j = await errand.getJob(job.id);
        return j?.state === "completed" || j?.state === "retrying" ? j : null;
      });
      expect(done).toMatchObject({ state: "completed", progress: 100, result: { keys: ["job"], jobId: job.id, matches: job.id, aborted: false } });
      expect(reported).toEqual([30]);
    });

    it("runs at most `concurrency` handlers at once and finishes every job", async () => {
      let inFlight = 0;
      let peak = 0;
      const ran = new Map<number, number>();
      const slow = errand.define("slow", {
        handler: async (p: { n: number }) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          ran.set(p.n, (ran.get(p.n) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
        },
      });
      await errand.enqueueMany(Array.from({ length: 60 }, (_, n) => slow.request({ n })));
      errand.work({ ...fast, concurrency: 4 });
      await waitFor(() => ran.size === 60 && inFlight === 0, { what: "all 60 jobs" });
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1);
      expect([...ran.values()].every((n) => n === 1)).toBe(true);
    });

    it("retries with backoff, ends in the dead-letter set with every error, and replays", async () => {
      let calls = 0;
      let healed = false;
      const flaky = errand.define("flaky", {
        maxAttempts: 3,
        backoff: quickBackoff,
        handler: async () => {
          calls++;
          if (!healed) throw new Error(`failure ${calls}`);
          return "ok";
        },
      });
      const retrying: number[] = [];
      errand.on("retrying", ({ job }) => retrying.push(job.attempt));
      errand.work(fast);
      const job = await flaky.enqueue({});
      const failed = await waitFor(async () => {
        const j = await errand.getJob(job.id);
        return j?.state === "failed" ? j : null;
      });
      expect(calls).toBe(3);
      expect(retrying).toEqual([1, 2]);
      expect(failed.errors.map((e) => [e.attempt, e.message])).toEqual([[1, "failure 1"], [2, "failure 2"], [3, "failure 3"]]);
      expect(failed.errors[0]!.stack).toContain("failure 1");
      const deadLetters = await errand.listJobs({ state: "failed", cursor: null });
      expect(deadLetters.jobs.map((j) => j.id)).toEqual([job.id]);
      // Healed first: the replay wakes the idle worker, which may run the job before retryJob returns.
      healed = true;
      await expect(errand.retryJob(job.id)).resolves.toMatchObject({ state: "pending" });
      const completed = await waitFor(async () => {
        const j = await errand.getJob(job.id);
        return j?.state === "completed" ? j : null;
      });
      expect(completed.errors).toHaveLength(3);
      expect(completed.result).toBe("ok");
      await expect(errand.retryJob(job.id)).rejects.toBeInstanceOf(JobStateConflictError);
    });

    it.each([
      ["a plain job", {}],
      ["a grouped job (claimed in its group's turn)", { groupKey: "relapse" }],
    ])("%s replayed backs off from its first retry again, not from its total attempt number", async (_, options) => {
      const relapsing = errand.define("relapsing", {
        maxAttempts: 2,
        backoff: { baseMs: 40, maxMs: 3_600_000, jitter: 0 },
        handler: async (_payload, ctx) => {
          seen.push([ctx.job.attempt, ctx.job.attemptsBeforeReplay]);
          throw new Error("still broken");
        },
      });
      const seen: [attempt: number, attemptsBeforeReplay: number][] = [];
      const delays: [attempt: number, ms: number][] = [];
      errand.on("retrying", ({ job, error }) => delays.push([job.attempt, job.runAt.getTime() - error.at.getTime()]));
      errand.work(fast);
      const job = await relapsing.enqueue({}, options);
      const failedAfter = (attempts: number) =>
        waitFor(async () => {
          const j = await errand.getJob(job.id);
          return j?.state === "failed" && j.attempt === attempts ? j : null;
        });
      await failedAfter(2);
      await errand.retryJob(job.id);
      await failedAfter(4);
      await errand.retryJob(job.id);
      await failedAfter(6);
      // Each run of two attempts waits one base delay between them, as the first run did.
      expect(delays).toEqual([[1, 40], [3, 40], [5, 40]]);
      // The handler sees where its run began, as its backoff does.
      expect(seen).toEqual([[1, 0], [2, 0], [3, 2], [4, 2], [5, 4], [6, 4]]);
    });

    it("replays the dead-letter set page by page, newest first, each job once, narrowed by type, queue or state", async () => {
      let healed = false;
      const handler = async () => {
        if (!healed) throw new PermanentError("provider down");
        return "sent";
      };
      const mail = errand.define("mail", { maxAttempts: 1, handler });
      const sms = errand.define("sms", { queue: "texts", maxAttempts: 1, handler });
      const mails = await errand.enqueueMany([1, 2, 3, 4, 5].map((i) => mail.request({ i })));
      const texts = await errand.enqueueMany([1, 2].map((i) => sms.request({ i })));
      const waiting = await mail.enqueue({ i: 6 }, { delayMs: 60_000 });
      const canceled = await errand.cancelJob(waiting.id);
      const stateOf = async (id: string) => (await errand.getJob(id))!.state;
      const allIn = (ids: string[], state: string) => async () => (await Promise.all(ids.map(stateOf))).every((s) => s === state);
      const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id);
      let worker = errand.work({ ...fast, queues: ["default", "texts"] });
      await waitFor(allIn([...ids(mails), ...ids(texts)], "failed"), { what: "every job dead-lettered" });
      await worker.close();

      const newestFirst = ids(mails).reverse();
      const first = await errand.retryJobs({ type: "mail", limit: 2 });
      expect(ids(first.jobs)).toEqual(newestFirst.slice(0, 2));
      expect(first.jobs.map((j) => [j.state, j.maxAttempts, j.errors.length])).toEqual([["pending", 2, 1], ["pending", 2, 1]]);
      expect(first.nextCursor).not.toBeNull();
      // The two replayed fail again before the next page: the cursor goes on below them.
      worker = errand.work({ ...fast, queues: ["default"] });
      await waitFor(allIn(ids(first.jobs), "failed"), { what: "the replayed jobs failed again" });
      await worker.close();
      const replayed = [...ids(first.jobs)];
      for (let cursor = first.nextCursor; cursor !== null; ) {
        const page = await errand.retryJobs({ type: "mail", limit: 2, cursor });
        replayed.push(...ids(page.jobs));
        cursor = page.nextCursor;
      }
      expect(replayed).toEqual(newestFirst);
      // Other types, queues and states were left alone.
      expect(await Promise.all(ids(texts).map(stateOf))).toEqual(["failed", "failed"]);
      expect(await stateOf(canceled.id)).toBe("canceled");
      expect(ids((await errand.retryJobs({ queue: "texts" })).jobs)).toEqual(ids(texts).reverse());
      expect(ids((await errand.retryJobs({ state: "canceled" })).jobs)).toEqual([canceled.id]);
      // A new pass (no cursor) finds the two that failed again, and nothing else is left.
      expect(ids((await errand.retryJobs()).jobs)).toEqual(newestFirst.slice(0, 2));
      expect(await errand.retryJobs()).toEqual({ jobs: [], nextCursor: null });
      // Every replayed job runs again.
      healed = true;
      errand.work({ ...fast, queues: ["default", "texts"] });
      await waitFor(allIn([...ids(mails), ...ids(texts)], "completed"), { what: "every replayed job completed" });

      await expect(errand.retryJobs({ state: "completed" as "failed" })).rejects.toMatchObject({ field: "state" });
      await expect(errand.retryJobs({ limit: 0 })).rejects.toMatchObject({ field: "limit" });
      await expect(errand.retryJobs({ type: "no such type!" })).rejects.toBeInstanceOf(ValidationError);
    });

    it("cancels the jobs of one state page by page, newest first: waiting ones, and running ones whose handlers' signals fire", async () => {
      const seen = recordEvents(errand);
      const newsletter = errand.define("newsletter", { handler: async () => "sent" });
      const other = errand.define("receipt", { handler: async () => "sent" });
      const letters = await errand.enqueueMany([1, 2, 3, 4, 5].map((i) => newsletter.request({ i })));
      const receipt = await other.enqueue({});
      const canceled: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await errand.cancelJobs({ state: "pending", type: "newsletter", limit: 2, cursor });
        expect(page.jobs.every((j) => j.state === "canceled")).toBe(true);
        canceled.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(canceled).toEqual(letters.map((j) => j.id).reverse());
      expect(seen.filter((e) => e.startsWith("canceled:"))).toHaveLength(5);
      expect((await errand.getJob(receipt.id))!.state).toBe("pending");

      const reasons: unknown[] = [];
      const hold = errand.define("hold-on", {
        handler: async (_p: Record<string, never>, ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
          reasons.push(ctx.signal.reason);
          throw ctx.signal.reason;
        },
      });
      errand.work({ ...fast, queues: ["holds"] });
      const held = await errand.enqueueMany([hold.request({}, { queue: "holds" }), hold.request({}, { queue: "holds" })]);
      await waitFor(async () => (await Promise.all(held.map((j) => errand.getJob(j.id)))).every((j) => j?.state === "running"), { what: "both running" });
      const running = await errand.cancelJobs({ state: "running", queue: "holds" });
      expect(running.jobs.map((j) => j.id).sort()).toEqual(held.map((j) => j.id).sort());
      await waitFor(() => reasons.length === 2, { what: "both handlers signaled" });
      expect(reasons.every((r) => r instanceof JobCanceledError)).toBe(true);

      await expect(errand.cancelJobs({} as never)).rejects.toMatchObject({ field: "state" });
      await expect(errand.cancelJobs({ state: "completed" as never })).rejects.toMatchObject({ field: "state" });
      await expect(errand.cancelJobs({ state: "pending", limit: 1001 })).rejects.toMatchObject({ field: "limit" });
    });

    it("skips remaining attempts on PermanentError", async () => {
      let calls = 0;
      const def = errand.define("permanent", {
        maxAttempts: 5,
        handler: async () => {
          calls++;
          throw new PermanentError("bad address");
        },
      });
      errand.work(fast);
      const job = await def.enqueue({});
      const failed = await waitFor(async () => ((await errand.getJob(job.id))?.state === "failed" ? errand.getJob(job.id) : null));
      expect(calls).toBe(1);
      expect(failed.errors).toMatchObject([{ attempt: 1, message: "bad address", code: "permanent_failure" }]);
    });

    it("a handler's CancelJob ends its job canceled, its reason kept as that attempt's error; a cancel from outside adds none", async () => {
      let calls = 0;
      const def = errand.define("cancels-itself", {
        maxAttempts: 3,
        backoff: quickBackoff,
        handler: async (payload: { give: "fail" | "cancel" }) => {
          calls++;
          if (payload.give === "fail" && calls === 1) throw new Error("flaky");
          throw new CancelJob("the account was deleted");
        },
      });
      const events: string[] = [];
      errand.on("canceled", ({ job }) => events.push(job.errors.at(-1)?.message ?? "none"));
      errand.work(fast);
      const job = await def.enqueue({ give: "fail" });
      const canceled = await waitFor(async () => ((await errand.getJob(job.id))?.state === "canceled" ? errand.getJob(job.id) : null));
      expect(calls).toBe(2);
      expect(canceled.errors).toMatchObject([
        { attempt: 1, message: "flaky", code: null },
        { attempt: 2, message: "the account was deleted", code: "canceled" },
      ]);
      expect(canceled.errors[1]!.stack).toContain("the account was deleted");
      await waitFor(() => events.length === 1);
      expect(events).toEqual(["the account was deleted"]);
      const waiting = await def.enqueue({ give: "cancel" }, { delayMs: 60_000 });
      expect((await errand.cancelJob(waiting.id)).errors).toEqual([]);
    });

    it("takes a handler's PermanentError, SnoozeJob and CancelJob from another copy of Errand (the app's install, run by another) as its own", async () => {
      // dist/ is a copy of these classes apart from src/'s, as a second install would be.
      const other = (await import(new URL("../../dist/core/errors.js", import.meta.url).href)) as typeof import("../../src/core/errors.js");
      expect(new other.PermanentError("x")).not.toBeInstanceOf(PermanentError);
      const calls = new Map<string, number>();
      const def = errand.define("signals-from-elsewhere", {
        maxAttempts: 3,
        backoff: quickBackoff,
        handler: async (payload: { give: "permanent" | "snooze" | "cancel" }) => {
          const n = (calls.get(payload.give) ?? 0) + 1;
          calls.set(payload.give, n);
          if (payload.give === "permanent") throw new other.PermanentError("bad address");
          if (payload.give === "cancel") throw new other.CancelJob("gone");
          if (n === 1) throw new other.SnoozeJob(10);
          return n;
        },
      });
      errand.work(fast);
      const [permanent, snoozed, canceled] = await Promise.all((["permanent", "snooze", "cancel"] as const).map((give) => def.enqueue({ give })));
      const ended = async (id: string) => waitFor(async () => {
        const job = await errand.getJob(id);
        return job !== null && ["completed", "failed", "canceled"].includes(job.state) ? job : null;
      });
      expect(await ended(permanent!.id)).toMatchObject({ state: "failed", attempt: 1, errors: [{ code: "permanent_failure", message: "bad address" }] });
      expect(await ended(snoozed!.id)).toMatchObject({ state: "completed", attempt: 1, result: 2, errors: [] });
      expect(await ended(canceled!.id)).toMatchObject({ state: "canceled", attempt: 1, errors: [{ code: "canceled", message: "gone" }] });
    });

    it("times out a handler that blocks the event loop past its deadline, though it returns before the timer can fire", async () => {
      let aborted: unknown = null;
      const busy = errand.define("busy", {
        timeoutMs: 100,
        maxAttempts: 1,
        handler: async (_p, ctx) => {
          ctx.signal.addEventListener("abort", () => (aborted = ctx.signal.reason));
          const until = performance.now() + 300;
          while (performance.now() < until); // synchronous work: no timer runs meanwhile
          return "late";
        },
      });
      errand.work({ ...fast, concurrency: 1 });
      const job = await busy.enqueue({});
      const ended = await waitFor(async () => {
        const j = await errand.getJob(job.id);
        return j?.state === "failed" || j?.state === "completed" ? j : null;
      });
      expect(ended).toMatchObject({ state: "failed", result: null, errors: [{ code: "timeout" }] });
      expect(aborted).toBeInstanceOf(JobTimeoutError);
    });

    it("times out a handler that ignores its signal: the late return is refused and the slot is held until it settles", async () => {
      let release!: () => void;
      const stuck = new Promise<void>((r) => (release = r));
      let reason: unknown;
      let secondStarted = false;
      const hang = errand.define("hang", {
        timeoutMs: 100,
        maxAttempts: 1,
        handler: async (_p, ctx) => {
          ctx.signal.addEventListener("abort", () => (reason = ctx.signal.reason));
          await stuck; // ignores the signal on purpose
          return "too late";
        },
      });
      const second = errand.define("second", { handler: async () => void (secondStarted = true) });
      errand.work({ ...fast, concurrency: 1 });
      const job = await hang.enqueue({});
      const failed = await waitFor(async () => ((await errand.getJob(job.id))?.state === "failed" ? errand.getJob(job.id) : null));
      expect(reason).toBeInstanceOf(JobTimeoutError);
      expect(failed!.errors).toMatchObject([{ code: "timeout" }]);
      await second.enqueue({});
      await new Promise((r) => setTimeout(r, 150));
      expect(secondStarted).toBe(false); // the zombie still holds the only slot
      release();
      await waitFor(() => secondStarted, { what: "second job after the zombie settled" });
      expect((await errand.getJob(job.id))!.state).toBe("failed");
      expect((await errand.getJob(job.id))!.result).toBeNull();
    });

    it("a retry taken by the worker whose timed-out run still winds down keeps its own lease: both runs end, neither re-run", async () => {
      const runs: string[] = [];
      const job = errand.define("slow-then-retried", {
        timeoutMs: 1_500,
        maxAttempts: 5,
        backoff: quickBackoff,
        handler: async (_p, ctx) => {
          const { attempt } = ctx.job;
          runs.push(`start ${attempt}`);
          // Run 1 ignores its timeout for 200 ms; run 2, within its timeout, outlives run 1's end
          // by more than a lease (600 ms), which only heartbeats can keep.
          await new Promise((r) => setTimeout(r, attempt === 1 ? 1_700 : 1_400));
          runs.push(`end ${attempt}`);
          return attempt;
        },
      });
      errand.work({ ...fast, leaseMs: 600, heartbeatMs: 100, concurrency: 2 });
      const enqueued = await job.enqueue({});
      const done = await waitFor(async () => {
        const j = await errand.getJob(enqueued.id);
        return j !== null && ["completed", "failed"].includes(j.state) && runs.length >= 4 ? j : null;
      }, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: "completed", attempt: 2, result: 2 });
      expect(done!.errors.map((e) => e.code)).toEqual(["timeout"]);
      expect(runs).toEqual(["start 1", "start 2", "end 1", "end 2"]);
    });

    it("cancels a running job: its signal fires and it ends canceled", async () => {
      let started = false;
      let reason: unknown;
      const long = errand.define("long", {
        handler: (_p, ctx) =>
          new Promise((_resolve, reject) => {
            started = true;
            ctx.signal.addEventListener("abort", () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      });
      errand.work(fast);
      const job = await long.enqueue({});
      await waitFor(() => started);
      await expect(errand.cancelJob(job.id)).resolves.toMatchObject({ state: "canceled" });
      await waitFor(() => reason);
      expect(reason).toBeInstanceOf(JobCanceledError);
      expect((await errand.getJob(job.id))!.state).toBe("canceled");
      await expect(errand.cancelJob(job.id)).rejects.toBeInstanceOf(JobStateConflictError);
    });

    it("a cancel made through another connection reaches the running handler at the next heartbeat", async () => {
      let reason: unknown;
      let started = false;
      // The working process logs the job's end too: its lines for the job would otherwise stop at "started".
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
      const working = await Errand.connect(await factory.open(url), { logger });
      others.push(working);
      const long = working.define("long2", {
        handler: (_p, ctx) =>
          new Promise((_r, reject) => {
            started = true;
            ctx.signal.addEventListener("abort", () => reject((reason = ctx.signal.reason)));
          }),
      });
      working.work(fast);
      const job = await long.enqueue({}, { correlationId: "req-42" });
      await waitFor(() => started);
      await errand.cancelJob(job.id);
      await waitFor(() => reason, { what: "abort from heartbeat" });
      expect(reason).toBeInstanceOf(JobCanceledError);
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: "job canceled elsewhere while it ran; its handler is signaled to stop", jobId: job.id, correlationId: "req-42", queue: "default" }),
      );
    });

    it("does not call a lease lost that an extension found ended by the job's own completion, whose reply is still on its way", async () => {
      const real = await factory.open(url);
      // The store's reply to a completion is slow to arrive: it comes after the reply to the
      // next extension, which finds the job already ended.
      let extended: (() => void) | null = null;
      const slowCompletionReplies = new Proxy(real, {
        get(target, key) {
          if (key === "completeJobs")
            return async (params: Parameters<Store["completeJobs"]>[0]) => {
              const accepted = await target.completeJobs(params);
              await new Promise<void>((resolve) => (extended = resolve));
              return accepted;
            };
          if (key === "extendLeases")
            return async (params: Parameters<Store["extendLeases"]>[0]) => {
              const wasWaiting = extended;
              const held = await target.extendLeases(params);
              // Only an extension sent once the completion was stored is the one waited for.
              if (wasWaiting !== null && wasWaiting === extended) setImmediate(wasWaiting);
              return held;
            };
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const lines: { msg: string; jobId?: string }[] = [];
      const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
      const working = await Errand.connect(slowCompletionReplies, { logger });
      others.push(working);
      const quick = working.define("quick", { handler: async () => ({ ok: true }) });
      const completed = new Promise((resolve) => working.on("completed", resolve));
      working.work(fast);
      const job = await quick.enqueue({});
      await completed;
      await waitFor(async () => (await errand.getJob(job.id))?.state === "completed");
      // A lost-lease report reads the job first: give it that read's time.
      await errand.getJob(job.id);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Nothing is logged of a job that went well.
      expect(lines.filter((line) => line.jobId === job.id).map((line) => line.msg)).toEqual([]);
    });

    it("a cancel made through another connection stops its running job, and drops a claimed one unstarted, long before the next heartbeat", async () => {
      // Heartbeats 10 s apart: only the cancel's notice (PostgreSQL) or the look for lost leases
      // each poll interval (SQLite) can reach the worker within the test.
      const started: number[] = [];
      const aborted: number[] = [];
      const def = errand.define("held", {
        handler: (p: { n: number }, ctx) =>
          new Promise<void>((resolve) => {
            started.push(p.n);
            ctx.signal.addEventListener("abort", () => (aborted.push(p.n), resolve()));
            if (p.n === 0 || p.n === 3) resolve();
          }),
      });
      errand.work({ concurrency: 1, leaseMs: 30_000, heartbeatMs: 10_000, pollIntervalMs: 100 });
      const other = await connect();
      others.push(other);
      // A quick job first: a worker prefetches only once it has seen how long its handlers take.
      const warmUp = await other.enqueue("held", { n: 0 });
      await waitFor(async () => (await other.getJob(warmUp.id))?.state === "completed", { what: "the warm-up job" });
      const [first, second] = await other.enqueueMany([def.request({ n: 1 }), def.request({ n: 2 })]);
      await waitFor(() => started.includes(1));
      // Job 2 waits, claimed ("running" in the store), for job 1's slot.
      await waitFor(async () => (await other.getJob(second!.id))?.state === "running", { what: "job 2 claimed" });
      await other.cancelJob(second!.id);
      await other.cancelJob(first!.id);
      await waitFor(() => aborted.includes(1), { what: "job 1's signal", timeoutMs: 3_000 });
      const third = await other.enqueue("held", { n: 3 });
      await waitFor(async () => (await other.getJob(third.id))?.state === "completed", { what: "job 3" });
      expect(started).toEqual([0, 1, 3]); // job 2 never started
      expect((await other.getJob(first!.id))?.state).toBe("canceled");
    });

    it("snoozes without using up an attempt", async () => {
      let calls = 0;
      const def = errand.define("snoozer", {
        maxAttempts: 1,
        handler: async () => {
          if (++calls === 1) throw new SnoozeJob(50);
          return calls;
        },
      });
      errand.work(fast);
      const job = await def.enqueue({});
      const done = await waitFor(async () => ((await errand.getJob(job.id))?.state === "completed" ? errand.getJob(job.id) : null));
      expect(done).toMatchObject({ attempt: 1, result: 2, errors: [] });
    });

    it("shuts down gracefully: in-flight jobs finish within the grace period", async () => {
      let finished = false;
      let started = false;
      const def = errand.define("graceful", {
        handler: async () => {
          started = true;
          await new Promise((r) => setTimeout(r, 150));
          finished = true;
        },
      });
      errand.work(fast);
      const job = await def.enqueue({});
      await waitFor(() => started);
      const closing = errand.close({ graceMs: 5_000 });
      expect(errand.close()).toBe(closing); // idempotent
      await closing;
      expect(finished).toBe(true);
      const reopened = await connect();
      others.push(reopened);
      expect((await reopened.getJob(job.id))!.state).toBe("completed");
    });

    it("after the grace period aborts in-flight jobs and returns them to the queue, attempt not used", async () => {
      let reason: unknown;
      let started = false;
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      const working = await Errand.connect(await factory.open(url), { logger });
      others.push(working);
      const def = working.define("stubborn", {
        maxAttempts: 1,
        handler: (_p, ctx) =>
          new Promise((_r, reject) => {
            started = true;
            ctx.signal.addEventListener("abort", () => reject((reason = ctx.signal.reason)));
          }),
      });
      working.work(fast);
      const job = await def.enqueue({}, { correlationId: "req-7" });
      await waitFor(() => started);
      await working.close({ graceMs: 50 });
      expect((reason as Error).name).toBe("WorkerShutdownError");
      // Its log says what became of it.
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, jobId: job.id, correlationId: "req-7", msg: expect.stringContaining("shutdown grace over") }));
      const reopened = await connect();
      others.push(reopened);
      expect(await reopened.getJob(job.id)).toMatchObject({ state: "pending", attempt: 0 });
    });

    it("prefetches beyond free slots: a prefetched job canceled never starts, and the rest return to the queue on close", async () => {
      const started: number[] = [];
      let release!: () => void;
      const blocker = new Promise<void>((r) => (release = r));
      const def = errand.define("prefetched", {
        maxAttempts: 1,
        handler: async (p: { n: number }, ctx) => {
          started.push(p.n);
          if (p.n === 0) await Promise.race([blocker, new Promise((r) => ctx.signal.addEventListener("abort", r))]);
        },
      });
      const worker = errand.work({ ...fast, concurrency: 1, prefetch: 10 });
      // A quick job first: a worker prefetches only once it has seen how long its handlers take.
      const warmUp = await def.enqueue({ n: -1 });
      await waitFor(async () => (await errand.getJob(warmUp.id))?.state === "completed", { what: "the warm-up job" });
      const jobs = await errand.enqueueMany([0, 1, 2, 3].map((n) => def.request({ n })));
      // Quick jobs so far: the buffer takes the rest while job 0 runs.
      await waitFor(() => started.length === 2 && worker.running === 4, { what: "one running, three prefetched" });
      await errand.cancelJob(jobs[1]!.id);
      await errand.close({ graceMs: 50 });
      expect(started).toEqual([-1, 0]);
      const reopened = await connect();
      others.push(reopened);
      const states = await Promise.all(jobs.map(async (j) => (await reopened.getJob(j.id))!));
      expect(states.map((j) => [j.state, j.attempt])).toEqual([["pending", 0], ["canceled", 1], ["pending", 0], ["pending", 0]]);
      release();
    });

    /**
     * The real store, with the answer of its `nth` claim held back until `release()`: the claim
     * has run on the store, the worker has not heard back yet. With `foundNothing`, that claim
     * takes nothing and answers with no jobs, as if other workers had taken them all first.
     */
    const withClaimHeld = async (nth = 1, { foundNothing = false } = {}) => {
      const store = await factory.open(url);
      let heard!: () => void;
      const claimRan = new Promise<void>((r) => (heard = r));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let claims = 0;
      const held = new Proxy(store, {
        get(target, key) {
          if (key === "claimJobs")
            return async (params: Parameters<Store["claimJobs"]>[0]) => {
              const held = ++claims === nth;
              const jobs = held && foundNothing ? [] : await target.claimJobs(params);
              if (held) {
                heard();
                await released;
              }
              return jobs;
            };
          const value = Reflect.get(target, key) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const e = await Errand.connect(held);
      others.push(e);
      return { e, claimRan, release };
    };

    it("a worker that has not yet run a handler claims no more than its free slots: slow jobs are left to idle workers", async () => {
      const workers = [errand, await connect()];
      const producer = await connect();
      others.push(workers[1]!, producer);
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const startedBy: number[] = [];
      workers.forEach((w, i) => {
        w.define("slow", {
          handler: async () => {
            startedBy.push(i);
            await released;
          },
        });
        w.work({ ...fast, concurrency: 2 });
      });
      await producer.enqueueMany(Array.from({ length: 4 }, () => ({ type: "slow", payload: {} })));
      try {
        // All four run at once, two on each worker; none waits in a buffer behind a slow job.
        await waitFor(() => startedBy.length === 4, { what: "every job started", timeoutMs: 5_000 });
        expect(startedBy.filter((i) => i === 0)).toHaveLength(2);
      } finally {
        release();
      }
    });

    it("a job enqueued while a claim is under way starts without waiting for the poll", async () => {
      const { e, claimRan, release } = await withClaimHeld();
      const started: string[] = [];
      const def = e.define("late", { handler: async (_p: object, ctx) => void started.push(ctx.job.id) });
      e.work({ ...fast, concurrency: 1, pollIntervalMs: 600_000 });
      await claimRan; // it found nothing; its answer is held
      const job = await def.enqueue({}); // its wake-up comes while that claim is still under way
      release();
      await waitFor(() => started.includes(job.id), { what: "the job to start (the next poll is ten minutes away)" });
    });

    it("a job delayed, retrying after its backoff, snoozed, or rescued from a lapsed lease in this process starts when due, without waiting for the poll", async () => {
      const runs: string[] = [];
      const def = errand.define("due-here", {
        maxAttempts: 5,
        backoff: { baseMs: 200, maxMs: 200, jitter: 0 },
        handler: async (payload: { then: "done" | "fail" | "snooze" | "rescued" }, ctx) => {
          runs.push(`${payload.then}:${ctx.job.attempt}`);
          if (ctx.job.attempt === 1 && payload.then === "fail") throw new Error("once");
          if (runs.filter((r) => r.startsWith("snooze")).length === 1 && payload.then === "snooze") throw new SnoozeJob(200);
        },
      });
      // Taken by a worker that then died: its 300 ms lease lapses, and this process's reaper rescues it.
      const lapsing = await def.enqueue({ then: "rescued" });
      const dead = await factory.open(url);
      try {
        const claimed = await dead.claimJobs({ queues: ["default"], limit: 1, workerId: "a-worker-that-died", leaseMs: 300 });
        expect(claimed.map((j) => j.id)).toEqual([lapsing.id]);
      } finally {
        await dead.close();
      }
      // No poll for ten minutes: only this process's own wake-ups.
      errand.work({ ...fast, pollIntervalMs: 600_000 });
      const what = "the job to run when due (the next poll is ten minutes away)";
      await def.enqueue({ then: "done" }, { delayMs: 200 });
      await waitFor(() => runs.includes("done:1"), { what });
      await def.enqueue({ then: "fail" });
      await waitFor(() => runs.includes("fail:2"), { what });
      await def.enqueue({ then: "snooze" });
      await waitFor(() => runs.filter((r) => r.startsWith("snooze")).length === 2, { what });
      await waitFor(() => runs.includes("rescued:2"), { what });
    });

    it("a replayed job, and the jobs of a queue resumed, start at once on an idle worker, without waiting for the poll", async () => {
      let healed = false;
      const def = errand.define("flaky", {
        maxAttempts: 1,
        handler: async () => {
          if (!healed) throw new PermanentError("provider down");
          return "sent";
        },
      });
      errand.work({ ...fast, pollIntervalMs: 600_000 });
      const stateOf = async (id: string) => (await errand.getJob(id))!.state;
      const job = await def.enqueue({});
      await waitFor(async () => (await stateOf(job.id)) === "failed", { what: "the job to fail" });
      healed = true;
      await errand.retryJob(job.id);
      await waitFor(async () => (await stateOf(job.id)) === "completed", { what: "the replayed job to run (the next poll is ten minutes away)" });

      await errand.pauseQueue("default");
      const held = await def.enqueue({});
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await stateOf(held.id)).toBe("pending");
      await errand.resumeQueue("default");
      await waitFor(async () => (await stateOf(held.id)) === "completed", { what: "the resumed queue's job to run (the next poll is ten minutes away)" });
    });

    it("pauses and resumes a queue for the workers of every process, and refuses a bad queue name", async () => {
      const other = await connect();
      others.push(other);
      const ran: number[] = [];
      for (const e of [errand, other]) e.define("pausable", { queue: "reports", handler: async (p: { n: number }) => void ran.push(p.n) });
      other.work({ ...fast, queues: ["reports"] });
      await errand.pauseQueue("reports");
      await errand.pauseQueue("reports"); // idempotent
      expect((await other.listQueues()).find((q) => q.queue === "reports")).toMatchObject({ paused: true });
      await errand.enqueue("pausable", { n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ran).toEqual([]);
      await errand.resumeQueue("reports");
      await waitFor(() => ran.length === 1, { what: "the other process's worker to run the job once the queue is resumed" });
      expect((await errand.listQueues()).find((q) => q.queue === "reports")).toMatchObject({ paused: false });
      for (const bad of ["", "has space", "x".repeat(129)]) {
        await expect(errand.pauseQueue(bad)).rejects.toMatchObject({ name: "ValidationError", field: "queue" });
        await expect(errand.resumeQueue(bad)).rejects.toMatchObject({ name: "ValidationError", field: "queue" });
      }
      expect((await errand.listQueues()).map((q) => q.queue)).toEqual(["reports"]);
    });

    it("a freed slot claims the next queued job at once, without waiting for the poll", async () => {
      const started: number[] = [];
      const def = errand.define("one-by-one", { handler: async (p: { n: number }) => void started.push(p.n) });
      await errand.enqueueMany([1, 2, 3, 4].map((n) => def.request({ n })));
      // Nothing prefetched: after each job, only the slot freeing can prompt the next claim.
      errand.work({ ...fast, concurrency: 1, prefetch: 0, pollIntervalMs: 600_000 });
      await waitFor(() => started.length === 4, { what: "all four jobs to run (the next poll is ten minutes away)" });
      expect(started).toEqual([1, 2, 3, 4]);
    });

    it("a slot freed while a claim is under way is filled when that claim comes back short", async () => {
      const { e, claimRan, release } = await withClaimHeld(2, { foundNothing: true });
      const finish = new Map<number, () => void>();
      const started: number[] = [];
      const def = e.define("latched", {
        handler: async (p: { n: number }) => {
          started.push(p.n);
          if (p.n < 3) await new Promise<void>((r) => finish.set(p.n, r));
        },
      });
      await e.enqueueMany([1, 2, 3].map((n) => def.request({ n })));
      e.work({ ...fast, concurrency: 2, prefetch: 0, pollIntervalMs: 600_000 });
      await waitFor(() => finish.size === 2, { what: "jobs 1 and 2 running" });
      finish.get(1)!(); // its slot frees: the second claim starts, and is held
      await claimRan;
      finish.get(2)!(); // frees a slot while that claim is under way
      await new Promise((r) => setTimeout(r, 20));
      release(); // it comes back with nothing: job 3 still waits, and two slots are free
      await waitFor(() => started.includes(3), { what: "job 3 to start (the next poll is ten minutes away)" });
    });

    it("close waits for a claim under way and hands its jobs back, attempt not used", async () => {
      const { e, claimRan, release } = await withClaimHeld();
      const started: number[] = [];
      const def = e.define("claimed-at-close", { handler: async (p: { n: number }) => void started.push(p.n) });
      const jobs = await e.enqueueMany([1, 2, 3].map((n) => def.request({ n })));
      const worker = e.work({ ...fast, concurrency: 2 });
      await claimRan;
      const closed = worker.close({ graceMs: 0 });
      await new Promise((r) => setImmediate(r)); // the worker has stopped claiming by now
      release();
      await closed;
      expect(started).toEqual([]);
      const states = await Promise.all(jobs.map(async (j) => (await errand.getJob(j.id))!));
      expect(states.map((j) => [j.state, j.attempt, j.workerId])).toEqual(jobs.map(() => ["pending", 0, null]));
    });

    it("an enqueue while close() runs is not taken by this process's closing workers: it waits, attempt not used", async () => {
      const e = await connect();
      const started: number[] = [];
      const def = e.define("enqueued-at-close", { handler: async (p: { n: number }) => void started.push(p.n) });
      const worker = e.work({ ...fast, concurrency: 2 });
      await waitFor(() => worker.idle, { what: "the worker to find nothing and wait" });
      const closed = e.close();
      const job = await def.enqueue({ n: 1 }); // an HTTP request still being answered, say
      await closed;
      expect(job.state).toBe("pending");
      expect(started).toEqual([]);
      expect(await errand.getJob(job.id)).toMatchObject({ state: "pending", attempt: 0, workerId: null });
    });

    it("refuses every call after close() with ClosedError, not the driver's error", async () => {
      const e = await connect();
      const def = e.define("after-close", {});
      const job = await def.enqueue({});
      await e.close();
      const calls: [string, () => unknown][] = [
        ["enqueue", () => def.enqueue({})],
        ["enqueueMany", () => e.enqueueMany([def.request({})])],
        ["getJob", () => e.getJob(job.id)],
        ["listJobs", () => e.listJobs()],
        ["listQueues", () => e.listQueues()],
        ["cancelJob", () => e.cancelJob(job.id)],
        ["pauseQueue", () => e.pauseQueue("default")],
        ["getFlow", () => e.getFlow("1")],
        ["listSchedules", () => e.listSchedules()],
      ];
      for (const [name, call] of calls) {
        // A promise rejected, not a throw: callers of async methods await, they do not try/catch the call.
        const result = call();
        expect(result, name).toBeInstanceOf(Promise);
        const error = await (result as Promise<unknown>).then(() => null, (err: unknown) => err);
        expect(error, name).toBeInstanceOf(ClosedError);
        expect((error as ClosedError).code, name).toBe("closed");
        expect((error as Error).message, name).toMatch(/store at .+ is closed: close\(\) was called/);
      }
      expect(() => e.work()).toThrow(ClosedError);
      // The jobs written before close() are all there, for a new connection.
      expect((await errand.getJob(job.id))?.state).toBe("pending");
    });

    it("enqueueMany is all or none, naming the bad item", async () => {
      const def = errand.define<{ n: number }>("batch-item");
      const bad = { n: 1, when: new Date() } as unknown as { n: number };
      await expect(errand.enqueueMany([def.request({ n: 0 }), def.request(bad)])).rejects.toThrow(/\[1\]\.payload\.when/);
      expect((await errand.listJobs()).jobs).toHaveLength(0);
      const jobs = await errand.enqueueMany([def.request({ n: 0 }), { type: "untyped", payload: [1, 2] }]);
      expect(jobs.map((j) => j.type)).toEqual(["batch-item", "untyped"]);
    });

    it("rejects payloads that are not JSON and options out of range, writing nothing", async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(errand.enqueue("x", cyclic)).rejects.toThrow(/payload\.self: contains a cycle/);
      await expect(errand.enqueue("x", { f: () => 1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(errand.enqueue("x", { n: Number.NaN })).rejects.toThrow(/payload\.n/);
      await expect(errand.enqueue("x", {}, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts/);
      await expect(errand.enqueue("x", {}, { delayMs: 5, runAt: new Date() })).rejects.toThrow(/runAt/);
      await expect(errand.enqueue("bad type!", {})).rejects.toThrow(/type/);
      // What plain JavaScript can pass for a type: a ValidationError naming it, not a TypeError from within.
      const def = errand.define("typed");
      const notTypes: unknown[] = [{ type: "x" }, { type: def, payload: {} }, 42, null];
      for (const notType of notTypes) {
        const refused = { name: "ValidationError", field: "type", message: "type: must be a job type's name or a definition from errand.define()" };
        await expect(errand.enqueue(notType as string, {})).rejects.toMatchObject(refused);
        await expect(errand.schedule("s", "* * * * *", { type: notType as string, payload: {} })).rejects.toMatchObject(refused);
        await expect(errand.enqueueMany([{ type: notType as string, payload: {} }])).rejects.toMatchObject({ field: "[0].type" });
      }
      expect(await errand.listSchedules()).toEqual([]);
      // A NUL character, which PostgreSQL's text cannot hold: refused on every store alike, as
      // bad input naming its field (PostgreSQL's insert failed with a driver error instead).
      for (const option of ["idempotencyKey", "groupKey", "correlationId"] as const)
        await expect(errand.enqueue("x", {}, { [option]: "k\u0000" })).rejects.toMatchObject({ field: option });
      // Characters are code points: 255 emoji (510 UTF-16 units) fit a key of 255, and 256 do not.
      await expect(errand.enqueue("x", {}, { idempotencyKey: "😀".repeat(256) })).rejects.toMatchObject({ field: "idempotencyKey" });
      await expect(errand.enqueue("x", {}, { groupKey: "😀".repeat(256) })).rejects.toMatchObject({ field: "groupKey" });
      expect((await errand.listJobs()).jobs).toHaveLength(0);
      const emoji = await errand.enqueue("x", {}, { idempotencyKey: "😀".repeat(255), groupKey: "😀".repeat(255) });
      expect(await errand.getJob(emoji.id)).toMatchObject({ idempotencyKey: "😀".repeat(255), groupKey: "😀".repeat(255) });
    });

    it("enqueueing an idempotency key twice returns the first job", async () => {
      const a = await errand.enqueue("signup-email", { user: 42 }, { idempotencyKey: "signup-42" });
      const b = await errand.enqueue("signup-email", { user: 42 }, { idempotencyKey: "signup-42" });
      expect(b.id).toBe(a.id);
      expect((await errand.listJobs()).jobs).toHaveLength(1);
    });
  });
}
