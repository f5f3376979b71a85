import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FlowNodeRequest } from "../../src/client/flow-client.js";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

/** Real worker processes sharing one database; each backend runs this once. */
export function describeProcessConformance(factory: StoreFactory): void {
  describe(`Worker processes: ${factory.name}`, () => {
    const dir = tempDir();
    let url: string;
    let recordFile: string;
    let errand: Errand;
    let n = 0;
    beforeEach(async () => {
      url = await factory.url();
      recordFile = join(dir, `runs-${++n}.log`);
      writeFileSync(recordFile, "");
      errand = await Errand.connect(await factory.open(url));
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    const runs = () =>
      readFileSync(recordFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ") as [string, string]);
    const workerEnv = (extra: Record<string, string> = {}) => ({
      ERRAND_DATABASE_URL: url,
      RECORD_FILE: recordFile,
      ...extra,
    });

    it("two processes share 2,000 jobs; each handler runs exactly once and every job completes", async () => {
      // Both working before the jobs arrive, and each job taking a little while: with the jobs
      // queued first, the process that started first could finish all 2,000 (about 0.1 s on a
      // fast machine) before the other was up.
      const workers = await Promise.all([
        startWorkerProcess(workerEnv({ CONCURRENCY: "20", SLOW_MS: "2" })),
        startWorkerProcess(workerEnv({ CONCURRENCY: "20", SLOW_MS: "2" })),
      ]);
      const jobs = await errand.enqueueMany(Array.from({ length: 2000 }, (_, i) => ({ type: "record", payload: { i } })));
      await waitFor(async () => (await errand.store.countJobs({}))[0]?.counts.completed === 2000, {
        timeoutMs: 60_000,
        what: "2,000 completed jobs",
      });
      const recorded = runs();
      const ids = recorded.map(([id]) => id);
      expect(ids).toHaveLength(2000);
      expect(new Set(ids)).toEqual(new Set(jobs.map((j) => j.id)));
      const pids = new Set(recorded.map(([, pid]) => pid));
      expect(pids.size).toBe(2); // both processes took part
      for (const w of workers) w.kill("SIGTERM");
      expect(await Promise.all(workers.map(exited))).toEqual([0, 0]);
    });

    it("a worker killed with SIGKILL mid-job has its job completed by another worker, as a new attempt", async () => {
      const doomed = await startWorkerProcess(workerEnv({ LEASE_MS: "1000" }));
      const job = await errand.enqueue("hang", { firstAttemptOnly: true });
      await waitFor(() => runs().length === 1, { what: "the doomed worker to start the job" });
      doomed.kill("SIGKILL");
      await exited(doomed);
      const killedAt = Date.now();
      const survivor = await startWorkerProcess(workerEnv({ LEASE_MS: "1000" }));
      // Bounded: lease (1 s) + reaper interval (0.2 s) + claim poll, with generous slack for CI.
      const completed = await waitFor(
        async () => {
          const j = await errand.getJob(job.id);
          return j?.state === "completed" ? j : null;
        },
        { timeoutMs: 10_000, what: "completion by another worker" },
      );
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect(completed).toMatchObject({ attempt: 2, result: "recovered" });
      expect(completed.errors).toMatchObject([{ attempt: 1, code: "lease_expired" }]);
      expect(runs().map(([, pid]) => pid)).toEqual([String(doomed.pid), String(survivor.pid)]);
    });

    it("SIGTERM drains: the in-flight job finishes and the process exits 0", async () => {
      const worker = await startWorkerProcess(workerEnv());
      const job = await errand.enqueue("sleep", { ms: 300 });
      await waitFor(() => runs().length === 1, { what: "job start" });
      worker.kill("SIGTERM");
      expect(await exited(worker)).toBe(0);
      expect(await errand.getJob(job.id)).toMatchObject({ state: "completed", result: "slept" });
    });

    it("SIGTERM past the grace period returns the in-flight job to the queue", async () => {
      const worker = await startWorkerProcess(workerEnv({ GRACE_MS: "100" }));
      const job = await errand.enqueue("hang", {});
      await waitFor(() => runs().length === 1, { what: "job start" });
      worker.kill("SIGTERM");
      expect(await exited(worker)).toBe(0);
      expect(await errand.getJob(job.id)).toMatchObject({ state: "pending", attempt: 0 });
    });

    it("two processes work a 300-job batch and a 60-node flow: every job runs once, in dependency order, and onComplete once", async () => {
      const record = errand.define<{ i?: number; node?: string }, { pid: number }>("record");
      // Six layers of ten; each node waits for two nodes of the layer above.
      const nodes: Record<string, FlowNodeRequest> = {};
      for (let layer = 0; layer < 6; layer++)
        for (let k = 0; k < 10; k++) {
          const name = `n${layer}_${k}`;
          const after = layer === 0 ? [] : [`n${layer - 1}_${k}`, `n${layer - 1}_${(k + 3) % 10}`];
          nodes[name] = { job: record.request({ node: name }), after };
        }
      // Both workers wait before anything is enqueued, and claim only for free slots (no
      // prefetch: the first to wake would otherwise take the whole batch), so both take part.
      // Each job takes 10 ms: at 2 ms, on SQLite, the first worker's claims and completions
      // followed each other so closely that the other's busy handler, sleeping between tries
      // for the write lock, could miss every gap until the jobs were gone (a fresh-clone CI
      // run failed so, once in four).
      const workers = await Promise.all([1, 2].map(() => startWorkerProcess(workerEnv({ CONCURRENCY: "8", SLOW_MS: "10", PREFETCH: "0" }))));
      const flow = await errand.enqueueFlow(nodes);
      const { batch, jobs, onComplete } = await errand.enqueueBatch(
        Array.from({ length: 300 }, (_, i) => record.request({ i })),
        { onComplete: { type: "record", payload: { report: true } } },
      );
      await waitFor(async () => (await errand.getJob(onComplete.id))?.state === "completed", { timeoutMs: 60_000, what: "onComplete" });
      const done = await waitFor(async () => {
        const f = await errand.getFlow(flow.id);
        return f?.state === "completed" ? f : null;
      }, { timeoutMs: 30_000, what: "the flow" });

      const started = runs();
      const ids = started.map(([id]) => id);
      expect(ids).toHaveLength(60 + 300 + 1);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(started.map(([, pid]) => pid)).size).toBe(2);
      const startedAt = new Map(ids.map((id, i) => [id, i]));
      for (const node of Object.values(done.nodes))
        for (const parent of node.after)
          expect(startedAt.get(done.nodes[parent]!.job.id)).toBeLessThan(startedAt.get(node.job.id)!);
      const lastMember = Math.max(...jobs.map((j) => startedAt.get(j.id)!));
      expect(startedAt.get(onComplete.id)).toBeGreaterThan(lastMember);
      expect((await errand.getJob(onComplete.id))!.payload).toEqual({ report: true, batchId: batch.id, completed: 300, failed: 0, canceled: 0 });
      expect(await errand.getBatch(batch.id)).toMatchObject({ state: "ended", completed: 300 });

      for (const w of workers) w.kill("SIGTERM");
      expect(await Promise.all(workers.map(exited))).toEqual([0, 0]);
    });
  });
}
