import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BatchSummary } from "../../src/core/batch.js";
import { JobCanceledError, PermanentError, ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { runJobInline } from "../../src/testing/index.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const fast = { leaseMs: 2_000, heartbeatMs: 100, pollIntervalMs: 20, reaperIntervalMs: 100, concurrency: 4 };

/** Flows and batches through the public Errand API, with a worker; each backend runs this once. */
export function describeFlowBatchRuntimeConformance(factory: StoreFactory): void {
  describe(`Flow and batch runtime conformance: ${factory.name}`, () => {
    let errand: Errand;
    beforeEach(async () => {
      errand = await Errand.connect(await factory.open(await factory.url()));
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    const ended = (flowId: string) =>
      waitFor(async () => {
        const flow = await errand.getFlow(flowId);
        return flow?.state !== "running" ? flow : null;
      }, { what: `flow ${flowId} to end` });

    it("runs the video pipeline in dependency order, each node seeing its parents' results", async () => {
      type Video = { videoId: string };
      const finished: string[] = [];
      const seen: Record<string, unknown> = {};
      const step = (name: string) =>
        errand.define(name, {
          handler: async (video: Video, ctx) => {
            seen[name] = await ctx.parents();
            finished.push(name);
            return { [name]: video.videoId };
          },
        });
      const [upload, encode, thumbnail, resize, transcribe, notify] = ["upload", "encode", "thumbnail", "resize", "transcribe", "notify"].map(step);
      const video = { videoId: "v1" };

      const flow = await errand.enqueueFlow({
        upload: { job: upload!.request(video) },
        encode: { job: encode!.request(video), after: ["upload"] },
        thumbnail: { job: thumbnail!.request(video), after: ["upload"] },
        resize: { job: resize!.request(video), after: ["thumbnail"] },
        transcribe: { job: transcribe!.request(video), after: ["upload"] },
        notify: { job: notify!.request(video), after: ["encode", "resize", "transcribe"] },
      });
      expect(flow.state).toBe("running");
      expect(Object.fromEntries(Object.entries(flow.nodes).map(([name, n]) => [name, n.job.state]))).toEqual({
        upload: "pending", encode: "blocked", thumbnail: "blocked", resize: "blocked", transcribe: "blocked", notify: "blocked",
      });
      errand.work(fast);

      const done = await ended(flow.id);
      expect(done.state).toBe("completed");
      expect(done.nodes.notify!.after).toEqual(["encode", "resize", "transcribe"]);
      for (const [name, node] of Object.entries(done.nodes))
        for (const parent of node.after) expect(finished.indexOf(parent), `${parent} before ${name}`).toBeLessThan(finished.indexOf(name));
      expect(seen.upload).toEqual({});
      expect(seen.resize).toEqual({ thumbnail: { thumbnail: "v1" } });
      expect(seen.notify).toEqual({ encode: { encode: "v1" }, resize: { resize: "v1" }, transcribe: { transcribe: "v1" } });
    });

    it("a released child wakes an idle worker at once: a chain of five runs without waiting for polls", async () => {
      const step = errand.define("step", { handler: async (p: { n: number }) => p.n });
      const nodes = Object.fromEntries(
        [0, 1, 2, 3, 4].map((n) => [`s${n}`, { job: step.request({ n }), after: n === 0 ? [] : [`s${n - 1}`] }]),
      );
      errand.work({ ...fast, pollIntervalMs: 30_000 });
      const flow = await errand.enqueueFlow(nodes);
      const t = Date.now();
      expect((await ended(flow.id)).state).toBe("completed");
      expect(Date.now() - t).toBeLessThan(5_000);
    });

    it("runJobInline hands a flow node's handler the parents' results it is given", async () => {
      const notify = errand.define("notify-inline", {
        handler: async (p: { user: string }, ctx) => {
          const { encode } = await ctx.parents<{ encode: { mp4: string } }>();
          return `${p.user}: ${encode.mp4}`;
        },
      });
      const { result } = await runJobInline(notify, { user: "ada" }, { parents: { encode: { mp4: "v.mp4" } } });
      expect(result).toBe("ada: v.mp4");
    });

    it("a failing parent cancels its descendants; a `continue` node runs anyway", async () => {
      const ran: string[] = [];
      const ok = errand.define("ok", { handler: async (p: { n: string }, ctx) => void ran.push(`${p.n}:${JSON.stringify(await ctx.parents())}`) });
      const bad = errand.define("bad", { handler: async (_p: object) => { throw new PermanentError("no"); } });
      const flow = await errand.enqueueFlow({
        root: { job: ok.request({ n: "root" }) },
        broken: { job: bad.request({}), after: ["root"] },
        child: { job: ok.request({ n: "child" }), after: ["broken"] },
        grandchild: { job: ok.request({ n: "grandchild" }), after: ["child", "root"] },
        cleanup: { job: ok.request({ n: "cleanup" }), after: ["broken", "root"], onParentFailure: "continue" },
      });
      errand.work(fast);
      const done = await ended(flow.id);
      expect(done.state).toBe("failed");
      expect(Object.fromEntries(Object.entries(done.nodes).map(([n, node]) => [n, node.job.state]))).toEqual({
        root: "completed", broken: "failed", child: "canceled", grandchild: "canceled", cleanup: "completed",
      });
      // cleanup sees only the parent that completed.
      expect(ran.sort()).toEqual(["cleanup:{\"root\":null}", "root:{}"]);
      // Each canceled node says why (else it looks canceled by someone); the one that ran says nothing.
      for (const name of ["child", "grandchild"])
        expect(done.nodes[name]!.job.errors, name).toMatchObject([{ attempt: 0, code: "parent_failed", message: expect.stringMatching(/^canceled with its flow: a job it waits for failed/) }]);
      expect(done.nodes.cleanup!.job.errors).toEqual([]);
    });

    it("keeps a node named like an Object.prototype key (read from JSON, say) as a node of its own", async () => {
      const job = errand.define("x").request({});
      const nodes = JSON.parse('{"__proto__":{},"constructor":{"after":["__proto__"]},"report":{"after":["constructor"]}}') as Record<string, { after?: string[] }>;
      const flow = await errand.enqueueFlow(Object.fromEntries(Object.entries(nodes).map(([name, node]) => [name, { ...node, job }])));
      for (const read of [flow, await errand.getFlow(flow.id)]) {
        expect(Object.keys(read!.nodes)).toEqual(["__proto__", "constructor", "report"]);
        expect(Object.getPrototypeOf(read!.nodes)).toBe(Object.prototype);
        expect(read!.nodes.report!.after).toEqual(["constructor"]);
        expect(Object.getOwnPropertyDescriptor(read!.nodes, "constructor")!.value.after).toEqual(["__proto__"]);
      }
    });

    it("rejects a cycle or an unknown reference before writing anything", async () => {
      const job = errand.define("x").request({});
      const attempt = (nodes: Parameters<Errand["enqueueFlow"]>[0]) => errand.enqueueFlow(nodes).catch((e: unknown) => e);
      const cycle = await attempt({ a: { job, after: ["c"] }, b: { job, after: ["a"] }, c: { job, after: ["b"] } });
      expect(cycle).toBeInstanceOf(ValidationError);
      expect((cycle as ValidationError).detail).toMatch(/cycle/);
      const unknown = await attempt({ a: { job }, b: { job, after: ["a", "nope"] } });
      expect(unknown).toMatchObject({ field: "nodes.b.after[1]" });
      const badOption = await attempt({ a: { job: errand.define("y").request({}, { idempotencyKey: "k" }) } });
      expect(badOption).toMatchObject({ field: "nodes.a.job.idempotencyKey" });
      expect(await attempt({ "": { job } })).toMatchObject({ field: 'nodes[""]' });
      expect((await errand.listJobs()).jobs).toEqual([]);
    });

    it("cancelling a flow cancels its unfinished nodes and aborts a running one", async () => {
      let aborted: unknown = null;
      let markStarted!: () => void;
      const started = new Promise<void>((resolve) => (markStarted = resolve));
      const slow = errand.define("slow", {
        handler: (_p: object, ctx) =>
          new Promise((_resolve, reject) => {
            markStarted();
            ctx.signal.addEventListener("abort", () => reject((aborted = ctx.signal.reason)));
          }),
      });
      const never = errand.define("never", { handler: async () => "ran" });
      const flow = await errand.enqueueFlow({ a: { job: slow.request({}) }, b: { job: never.request({}), after: ["a"] } });
      errand.work(fast);
      await started;
      const canceled = await errand.cancelFlow(flow.id);
      expect(canceled.state).toBe("canceled");
      expect([canceled.nodes.a!.job.state, canceled.nodes.b!.job.state]).toEqual(["canceled", "canceled"]);
      await waitFor(() => aborted, { what: "the running node's signal" });
      expect(aborted).toBeInstanceOf(JobCanceledError);
      await expect(errand.cancelFlow("424242")).rejects.toMatchObject({ code: "not_found" });
      expect(await errand.getFlow("424242")).toBeNull();
    });

    it("retryJobs replays a running batch's failed members at once; each stops counting until it ends again", async () => {
      let healed = false;
      const summaries: BatchSummary[] = [];
      const member = errand.define("flaky-member", {
        maxAttempts: 1,
        handler: async () => {
          if (!healed) throw new Error("provider down");
          return "ok";
        },
      });
      const report = errand.define("batch-report", { handler: async (payload: BatchSummary) => void summaries.push(payload) });
      const { batch, jobs, onComplete } = await errand.enqueueBatch(
        // The last member waits a minute: the batch is still running when the others are replayed.
        [...Array.from({ length: 6 }, () => member.request({})), member.request({}, { delayMs: 60_000 })],
        { onComplete: { type: report, payload: {} as BatchSummary } },
      );
      let worker = errand.work(fast);
      await waitFor(async () => (await errand.getBatch(batch.id))?.failed === 6, { what: "six members failed" });
      await worker.close();
      // Replayed several at once, each uncounted from the batch in its own transaction.
      const { jobs: replayed } = await errand.retryJobs({ type: "flaky-member", limit: 1000 });
      expect(replayed.map((j) => j.id).sort()).toEqual(jobs.slice(0, 6).map((j) => j.id).sort());
      expect(await errand.getBatch(batch.id)).toMatchObject({ state: "running", completed: 0, failed: 0, canceled: 0 });
      healed = true;
      worker = errand.work(fast);
      await waitFor(async () => (await errand.getBatch(batch.id))?.completed === 6, { what: "the replayed members completed" });
      await errand.cancelJob(jobs.at(-1)!.id);
      await waitFor(async () => (await errand.getJob(onComplete.id))?.state === "completed", { what: "onComplete" });
      expect(summaries).toEqual([{ batchId: batch.id, completed: 6, failed: 0, canceled: 1 }]);
    });

    it("runs a batch's onComplete once, after every member ended, with the counts of each ending", async () => {
      const summaries: ({ campaign: string } & BatchSummary)[] = [];
      const member = errand.define("member", {
        maxAttempts: 1,
        handler: async (p: { outcome: "ok" | "fail" }) => {
          if (p.outcome === "fail") throw new Error("member failed");
          return "ok";
        },
      });
      const report = errand.define("report", {
        handler: async (payload: { campaign: string } & BatchSummary) => void summaries.push(payload),
      });
      const outcomes = ["ok", "ok", "fail", "ok", "ok", "fail", "ok"] as const;
      const { batch, jobs, onComplete } = await errand.enqueueBatch(
        [...outcomes.map((outcome) => member.request({ outcome })), member.request({ outcome: "ok" }, { delayMs: 60_000 })],
        { onComplete: { type: report, payload: { campaign: "spring" } } },
      );
      expect(batch).toMatchObject({ state: "running", total: 8 });
      expect(onComplete.state).toBe("blocked");
      await errand.cancelJob(jobs.at(-1)!.id);
      errand.work(fast);
      await waitFor(async () => (await errand.getJob(onComplete.id))?.state === "completed", { what: "onComplete" });
      expect(summaries).toEqual([{ campaign: "spring", batchId: batch.id, completed: 5, failed: 2, canceled: 1 }]);
      expect(await errand.getBatch(batch.id)).toMatchObject({ state: "ended", total: 8, completed: 5, failed: 2, canceled: 1 });
      await expect(
        errand.enqueueBatch([member.request({ outcome: "ok" })], { onComplete: { type: report, payload: { campaign: "x", completed: 3 } as never } }),
      ).rejects.toMatchObject({ field: "onComplete.payload.completed" });
      // A NUL character or a lone surrogate (which PostgreSQL's JSON parser refuses) would make
      // the summary's merge, and so the last member's ending, fail every time: refused up front,
      // nothing written.
      const before = await errand.listJobs({ limit: 100 });
      await expect(
        errand.enqueueBatch([member.request({ outcome: "ok" })], { onComplete: { type: report, payload: { campaign: "a\u0000b" } } }),
      ).rejects.toMatchObject({ field: "onComplete.payload.campaign" });
      await expect(
        errand.enqueueBatch([member.request({ outcome: "ok" })], { onComplete: { type: report, payload: { campaign: "x", tags: { "k\u0000": 1 } } as never } }),
      ).rejects.toMatchObject({ field: "onComplete.payload.tags.k\u0000" });
      await expect(
        errand.enqueueBatch([member.request({ outcome: "ok" })], { onComplete: { type: report, payload: { campaign: "\ud800" } } }),
      ).rejects.toMatchObject({ field: "onComplete.payload.campaign", message: expect.stringContaining("lone surrogate") });
      await expect(
        errand.enqueueBatch([member.request({ outcome: "ok" })], { onComplete: { type: report, payload: { campaign: "x", tags: ["ok", { "\udc00k": 1 }] } as never } }),
      ).rejects.toMatchObject({ field: "onComplete.payload.tags[1].\udc00k" });
      // A surrogate pair is a character like any other.
      const paired = await errand.enqueueBatch([member.request({ outcome: "ok" })], { onComplete: { type: report, payload: { campaign: "\ud83d\ude00" } } });
      await errand.cancelJob(paired.jobs[0]!.id);
      expect((await errand.listJobs({ limit: 100 })).jobs).toHaveLength(before.jobs.length + 2);
    });
  });
}
