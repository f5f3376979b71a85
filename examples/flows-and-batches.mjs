// A flow and a batch, end to end: `npm run build && node examples/flows-and-batches.mjs`.
// Uses a throwaway SQLite file; set ERRAND_DATABASE_URL to use another store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Errand } from "errand";

const throwaway = process.env.ERRAND_DATABASE_URL ? null : mkdtempSync(join(tmpdir(), "errand-"));
const errand = await Errand.connect(process.env.ERRAND_DATABASE_URL ?? `sqlite:${join(throwaway, "example.db")}`);

// The video pipeline: upload → (encode ∥ thumbnail → resize ∥ transcribe) → notify.
// Each step reads its parents' results, keyed by node name.
const step = (name) =>
  errand.define(name, { handler: async (video, ctx) => ({ [name]: `${video.id}.${name}`, after: Object.keys(await ctx.parents()) }) });
const [upload, encode, thumbnail, resize, transcribe] = ["upload", "encode", "thumbnail", "resize", "transcribe"].map(step);
const notify = errand.define("notify", { handler: async (video, ctx) => ({ told: video.user, got: await ctx.parents() }) });

const video = { id: "v42", user: "ada@example.com" };
const flow = await errand.enqueueFlow({
  upload:     { job: upload.request(video) },
  encode:     { job: encode.request(video),     after: ["upload"] },
  thumbnail:  { job: thumbnail.request(video),  after: ["upload"] },
  resize:     { job: resize.request(video),     after: ["thumbnail"] },
  transcribe: { job: transcribe.request(video), after: ["upload"] },
  notify:     { job: notify.request(video),     after: ["encode", "resize", "transcribe"] },
});

// A batch: 20 emails, then one report with how they ended.
const send = errand.define("send-email", {
  maxAttempts: 1,
  handler: async ({ to }) => {
    if (to.endsWith("@invalid")) throw new Error(`no such domain: ${to}`);
    return { sent: to };
  },
});
const report = errand.define("campaign-report", { handler: async (summary) => summary });
const { batch, onComplete } = await errand.enqueueBatch(
  Array.from({ length: 20 }, (_, i) => send.request({ to: i % 5 === 0 ? `u${i}@invalid` : `u${i}@example.com` })),
  { onComplete: { type: report, payload: { campaign: "spring" } } },
);

errand.work({ concurrency: 4 });
for (;;) {
  const [f, done] = [await errand.getFlow(flow.id), await errand.getJob(onComplete.id)];
  if (f.state !== "running" && done.state === "completed") {
    console.log("flow", f.state, JSON.stringify(f.nodes.notify.job.result));
    console.log("batch", JSON.stringify(await errand.getBatch(batch.id)));
    console.log("report", JSON.stringify(done.result));
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
await errand.close();
if (throwaway) rmSync(throwaway, { recursive: true, force: true });
