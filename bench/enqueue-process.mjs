// The producer of latency_via_notify: another process on the same store that runs no worker,
// as a web process that only enqueues. Connects to argv[2], prints "ready", then for each line
// of stdin (a JSON payload) enqueues one "bench-latency" job and prints its id.
import { createInterface } from "node:readline";
import { Errand } from "../dist/index.js";

const errand = await Errand.connect(process.argv[2]);
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const job = await errand.enqueue("bench-latency", JSON.parse(line));
  process.stdout.write(`${job.id}\n`);
}
await errand.close();
