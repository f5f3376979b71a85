// Flow overhead: the same number of jobs processed as plain jobs and as nodes of 10-node flows
// (one root, eight nodes after it, one node after those eight), each on a fresh store. The
// difference in processing time, divided by the number of nodes, is what a node costs for
// being in a flow: its edges, being blocked and released, ctx-free noop handlers otherwise.
// Enqueueing is not timed in either case (flows are enqueued one call each, plain jobs in bulk).
import { performance } from "node:perf_hooks";
import { Errand } from "../dist/index.js";
import { withFreshStore } from "./fresh-stores.mjs";

const FLOW_NODES = 10;
const CONCURRENCY = 50;

function flowNodes(node, f) {
  const nodes = { root: { job: node.request({ f }) } };
  for (let k = 0; k < FLOW_NODES - 2; k++) nodes[`mid${k}`] = { job: node.request({ f, k }), after: ["root"] };
  nodes.sink = { job: node.request({ f }), after: Object.keys(nodes).filter((name) => name !== "root") };
  return nodes;
}

/** Enqueues with `enqueue(errand, node)`, then times a worker completing `total` jobs, in ms. */
function timeProcessing(stores, total, enqueue) {
  return withFreshStore(stores, async (url) => {
    const errand = await Errand.connect(url);
    try {
      const node = errand.define("bench-node", { handler: async () => {}, maxAttempts: 1 });
      await enqueue(errand, node);
      let done = 0;
      const finished = new Promise((resolve) => errand.on("completed", () => ++done === total && resolve()));
      const t = performance.now();
      errand.work({ queues: ["default"], concurrency: CONCURRENCY });
      await finished;
      return performance.now() - t;
    } finally {
      await errand.close();
    }
  });
}

/** Rates in jobs/s of plain jobs and of flow nodes, and what a node costs more, in µs. */
export async function measureFlowOverhead({ stores, n }) {
  const flows = Math.max(1, Math.floor(n / FLOW_NODES));
  const total = flows * FLOW_NODES;
  const plainMs = await timeProcessing(stores, total, async (errand, node) => {
    for (let i = 0; i < total; i += 1000)
      await errand.enqueueMany(Array.from({ length: Math.min(1000, total - i) }, (_, k) => node.request({ i: i + k })));
  });
  const flowMs = await timeProcessing(stores, total, async (errand, node) => {
    for (let f = 0; f < flows; f++) await errand.enqueueFlow(flowNodes(node, f));
  });
  return {
    plainRate: total / (plainMs / 1000),
    flowRate: total / (flowMs / 1000),
    // In µs: the figure is a fraction of a millisecond, which report() would round away.
    overheadUs: ((flowMs - plainMs) / total) * 1000,
  };
}
