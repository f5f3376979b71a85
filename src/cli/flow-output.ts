import type { Batch } from "../core/batch.js";
import type { Flow } from "../core/flow.js";
import { batchToJson, flowToJson } from "../server/flow-wire-format.js";
import { printJson } from "./output.js";

/** A flow as JSON (for scripts, `--json`), or a line for the flow and one per node. */
export function printFlow(flow: Flow, json: boolean): void {
  if (json) {
    printJson(flowToJson(flow));
    return;
  }
  const names = Object.keys(flow.nodes);
  const width = Math.max(...names.map((n) => n.length));
  const lines = [`flow ${flow.id}  ${flow.state}  ${names.length} nodes  created ${flow.createdAt.toISOString()}`];
  for (const name of names) {
    const { job, after } = flow.nodes[name]!;
    const waitsFor = after.length === 0 ? "" : `  after ${after.join(", ")}`;
    lines.push(`  ${name.padEnd(width)}  #${job.id}  ${job.type}  ${job.state}${waitsFor}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
}

/** A batch as JSON, or one line: its members' endings so far and its onComplete job. */
export function printBatch(batch: Batch, json: boolean): void {
  if (json) {
    printJson(batchToJson(batch));
    return;
  }
  const ended = batch.completed + batch.failed + batch.canceled;
  const counts = `completed ${batch.completed}, failed ${batch.failed}, canceled ${batch.canceled}`;
  process.stdout.write(
    `batch ${batch.id}  ${batch.state}  ${ended}/${batch.total} ended (${counts})  on complete #${batch.onCompleteJobId}  created ${batch.createdAt.toISOString()}\n`,
  );
}
