// Compile-time checks run by `npm run typecheck` (part of `npm test`): each @ts-expect-error
// line must be a type error, or the type-check fails. The runtime test keeps Vitest honest.
import { describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import type { PayloadOf, ResultOf } from "../../src/client/job-definition.js";

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

describe("typed API", () => {
  it("is exercised by the type-checker", () => {
    expect(typeof typedUsage).toBe("function");
  });
});
