import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FlowNodeRequest } from "../../src/client/flow-client.js";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { exited, startWorkerProcess } from "../helpers/worker-process.js";

/**
 * Flows and batches worked by two real worker processes (test/fixtures/worker-process.mjs,
 * whose `record` handler logs "<jobId> <pid>" at every start); each backend runs this once.
 */
export function describeFlowBatchProcessConformance(factory: StoreFactory): void {
  describe(`Flows and batches across processes: ${factory.name}`, () => {
    const dir = tempDir();
    let url: string;
    let recordFile: string;
    let errand: Errand;
    let n = 0;
    beforeEach(async () => {
      url = await factory.url();
      recordFile = join(dir, `flow-runs-${++n}.log`);
      writeFileSync(recordFile, "");
      errand = await Errand.connect(await factory.open(url));
    });
    afterEach(async () => {
      await errand.close({ graceMs: 0 });
    });

    const startedIds = () =>
      readFileSync(recordFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ") as [string, string]);

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
      const flow = await errand.enqueueFlow(nodes);
      const { batch, jobs, onComplete } = await errand.enqueueBatch(
        Array.from({ length: 300 }, (_, i) => record.request({ i })),
        { onComplete: { type: "record", payload: { report: true } } },
      );
      const workers = await Promise.all(
        [1, 2].map(() => startWorkerProcess({ ERRAND_DATABASE_URL: url, RECORD_FILE: recordFile, CONCURRENCY: "8" })),
      );
      await waitFor(async () => (await errand.getJob(onComplete.id))?.state === "completed", { timeoutMs: 60_000, what: "onComplete" });
      const done = await waitFor(async () => {
        const f = await errand.getFlow(flow.id);
        return f?.state === "completed" ? f : null;
      }, { timeoutMs: 30_000, what: "the flow" });

      const runs = startedIds();
      const ids = runs.map(([id]) => id);
      expect(ids).toHaveLength(60 + 300 + 1);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(runs.map(([, pid]) => pid)).size).toBe(2);
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
