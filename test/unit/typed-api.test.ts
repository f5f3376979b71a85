// Compile-time checks run by `npm run typecheck` (part of `npm test`): each @ts-expect-error
// line must be a type error, or the type-check fails. The runtime test keeps Vitest honest.
import { describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import type { PayloadOf, ResultOf } from "../../src/client/job-definition.js";
import { expectEnqueued, runJobInline } from "../../src/testing/index.js";

async function typedUsage(errand: Errand) {
  const sendEmail = errand.define("send-email", {
    handler: async (payload: { to: string }) => ({ sent: true as const, to: payload.to }),
  });
  await sendEmail.enqueue({ to: "a@b.c" });
  // @ts-expect-error — wrong payload shape
  await sendEmail.enqueue({ too: "a@b.c" });
  // @ts-expect-error — missing payload field
  await errand.enqueue(sendEmail, {});
  const job = await errand.enqueue(sendEmail, { to: "x" });
  const sent: true | undefined = job.result?.sent;
  // @ts-expect-error — result has no such field
  void job.result?.missing;
  const p: PayloadOf<typeof sendEmail> = { to: "y" };
  const r: ResultOf<typeof sendEmail> = { sent: true, to: "y" };
  // @ts-expect-error — enqueueMany items are checked against their definition
  await errand.enqueueMany([sendEmail.request({ to: 1 })]);
  // @ts-expect-error — priority must be a number
  await sendEmail.enqueue({ to: "z" }, { priority: "high" });
  return [sent, p, r];
}

/** Requests written as plain objects are checked against the definition they name, as request() is. */
async function plainObjectRequests(errand: Errand) {
  const upload = errand.define("upload", { handler: async (payload: { id: string }) => payload.id.length });
  const summarize = errand.define("summarize", {
    handler: async (payload: { batchId: string; completed: number; failed: number; canceled: number; label: string }) => payload.label,
  });
  await errand.enqueueMany([{ type: upload, payload: { id: "a" } }, { type: "named-by-string", payload: 42 }]);
  await errand.enqueueMany(["a", "b"].map((id) => ({ type: upload, payload: { id } })));
  // @ts-expect-error — a plain object's payload is checked against its definition
  await errand.enqueueMany([{ type: upload, payload: { id: 1 } }]);
  // @ts-expect-error — the same in enqueueManyWithOutcome
  await errand.enqueueManyWithOutcome([{ type: upload, payload: { nope: true } }]);
  await errand.enqueueFlow({ a: { job: { type: upload, payload: { id: "a" } } }, b: { job: upload.request({ id: "b" }), after: ["a"] } });
  // @ts-expect-error — and a flow node's job
  await errand.enqueueFlow({ a: { job: { type: upload, payload: { nope: true } } } });
  await errand.enqueueBatch([{ type: upload, payload: { id: "a" } }], { onComplete: { type: summarize, payload: { label: "x" } } });
  // @ts-expect-error — and a batch member
  await errand.enqueueBatch([{ type: upload, payload: 42 }], { onComplete: { type: summarize, payload: { label: "x" } } });
}

async function typedBatchUsage(errand: Errand) {
  const sendEmails = errand.define("send-emails", {
    batch: { size: 100, maxWaitMs: 50 },
    batchHandler: async (payloads: { to: string }[], ctx) => {
      const sameLength: number = ctx.jobs.length;
      const first: string | undefined = ctx.jobs[0]?.payload.to;
      void [sameLength, first, ctx.signal, ctx.signalOf(0)];
      return payloads.map((p) => (p.to.includes("@") ? { id: p.to } : new Error("bad address")));
    },
  });
  const job = await sendEmails.enqueue({ to: "a@b.c" });
  const id: string | undefined = job.result?.id;
  // @ts-expect-error — wrong payload shape for a batch type
  await sendEmails.enqueue({ address: "a@b.c" });
  // @ts-expect-error — result has no such field
  void job.result?.sent;
  const r: ResultOf<typeof sendEmails> = { id: "x" };
  errand.define("bad-outcomes", {
    batch: { size: 10, maxWaitMs: 0 },
    // @ts-expect-error — a batch handler returns an array of outcomes, not one value
    batchHandler: async (_payloads: number[]) => 42,
  });
  // @ts-expect-error — a type has a handler or a batch handler, not both
  errand.define("both", { handler: async () => 1, batch: { size: 2, maxWaitMs: 0 }, batchHandler: async () => [1] });
  // @ts-expect-error — a batch handler needs its batch options
  errand.define("no-options", { batchHandler: async (payloads: number[]) => payloads });
  return [id, r];
}

/** Payloads and results JSON would not keep as they are: refused where the type is defined. */
interface TreeNode {
  name: string;
  children: TreeNode[];
}
interface Shipment {
  id: string;
  note?: string;
}
async function jsonTypes(errand: Errand) {
  // @ts-expect-error — a Date result is refused at run time (the job fails); so at compile time
  errand.define("dated", { handler: async () => new Date() });
  // @ts-expect-error — and a bigint deep inside one
  errand.define("counted", { handler: async () => ({ totals: [{ n: 1n }] }) });
  // @ts-expect-error — a payload field that is a Date
  errand.define("due", { handler: async (_p: { dueAt: Date }) => null });
  // @ts-expect-error — a required field that may be undefined (an optional one may be absent)
  errand.define("maybe", { handler: async (_p: { note: string | undefined }) => null });
  // @ts-expect-error — a Map
  errand.define("mapped", { handler: async (p: { seen: Map<string, number> }) => p.seen.size });
  // @ts-expect-error — the same checks for a batch handler's payloads
  errand.define("batched", { batch: { size: 2, maxWaitMs: 0 }, batchHandler: async (p: { at: Date }[]) => p.map(() => 1) });
  // JSON of every kind passes: interfaces, optional fields, recursive types, unknown and any
  // fields, nothing returned, null, and a payload the handler does not take.
  errand.define("shipped", { handler: async (p: Shipment) => (p.note === undefined ? undefined : { note: p.note }) });
  errand.define("tree", { handler: async (p: TreeNode) => ({ size: p.children.length, root: p }) });
  errand.define("loose", { handler: async (p: { meta: Record<string, unknown>; raw: any }) => [p.meta, p.raw] });
  errand.define("nothing", { handler: async (_p: { id: string }) => {} });
  errand.define("ranged", { handler: async (p: { range: [number, number?]; tags?: readonly string[] }) => p.range });
  // An application function with an optional parameter: it is given the payload, never undefined.
  const rebuild = errand.define("rebuild", { handler: async (opts?: { full?: boolean }) => ({ full: opts?.full ?? false }) });
  await rebuild.enqueue({ full: true });
  // @ts-expect-error — not undefined, though the parameter is optional
  await rebuild.enqueue(undefined);
  const voided = errand.define("voided", { handler: async (_: void) => {} });
  await voided.enqueue(null);
  // @ts-expect-error — a void payload is enqueued with null or {}, not left out
  await voided.enqueue();
  const declared = errand.define<void, void>("declared-void");
  // @ts-expect-error — the same when only the types are declared
  await declared.enqueue();
  const cleanup = errand.define("cleanup", { handler: async () => null });
  await cleanup.enqueue(null);
  await cleanup.enqueue({});
  // @ts-expect-error — undefined is no payload: JSON cannot hold it
  await cleanup.enqueue(undefined);
  // @ts-expect-error — nor by type name
  await errand.enqueue("cleanup", undefined);
  // @ts-expect-error — nor in a request
  errand.enqueueMany([cleanup.request(undefined)]);
}

/** The test helpers check payloads against their definition, and type results as production stores them. */
async function testingHelpers(errand: Errand) {
  const sendEmail = errand.define("send-email", {
    handler: async (payload: { to: string; tags: string[] }) => (payload.to ? payload.to : undefined),
  });
  await expectEnqueued(errand, { type: sendEmail, payload: { to: "a@b.c" } });
  await expectEnqueued(errand, { type: sendEmail, payload: { tags: ["vip"] } });
  await expectEnqueued(errand, { type: "by-name", payload: { anything: 1 } });
  // @ts-expect-error — a field the definition's payload lacks
  await expectEnqueued(errand, { type: sendEmail, payload: { too: "a@b.c" } });
  // @ts-expect-error — a field of the wrong type
  await expectEnqueued(errand, { type: sendEmail, payload: { to: 42 } });
  const { result } = await runJobInline(sendEmail, { to: "a@b.c", tags: [] });
  const stored: string | null = result;
  // @ts-expect-error — nothing returned is stored as null, never undefined
  const missing: string | undefined = result;
  return [stored, missing];
}

describe("typed API", () => {
  it("is exercised by the type-checker", () => {
    expect(typeof typedUsage).toBe("function");
    expect(typeof typedBatchUsage).toBe("function");
    expect(typeof plainObjectRequests).toBe("function");
    expect(typeof jsonTypes).toBe("function");
    expect(typeof testingHelpers).toBe("function");
  });
});
