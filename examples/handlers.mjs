// Example job types for `errand serve --handlers examples/handlers.mjs` (the README's run
// command). A handlers module's default export receives the Errand instance and defines job
// types with the library's own API; a TypeScript module works the same once compiled.
import { setTimeout as delay } from "node:timers/promises";
import { PermanentError } from "errand";

/**
 * Resolves after `ms`, or rejects as soon as the job is canceled or times out. Node's own
 * timer removes its abort listener when it fires; one added by hand per call and never removed
 * piles up on the job's signal (a warning at 11).
 */
const sleep = (ms, signal) => delay(ms, undefined, { signal });

export default function register(errand) {
  // A simulated email send: a short call to a provider, returning its message id.
  errand.define("send-email", {
    queue: "mail",
    maxAttempts: 5,
    handler: async (payload, ctx) => {
      // Any JSON is a valid payload over HTTP, null included: check before reading it.
      if (typeof payload?.to !== "string" || !payload.to.includes("@")) {
        throw new PermanentError(`"to" must be an email address, got ${JSON.stringify(payload?.to)}`);
      }
      await sleep(300, ctx.signal);
      return { messageId: `msg-${ctx.job.id}`, to: payload.to };
    },
  });

  // A report export that reports progress as it goes: follow it with
  // `curl -N localhost:3000/v1/jobs/<id>/events` or `errand wait <id>`.
  errand.define("export-report", {
    queue: "reports",
    timeoutMs: 120_000,
    handler: async (payload, ctx) => {
      const steps = Math.max(1, Math.min(100, Number(payload.steps ?? 10)));
      for (let step = 1; step <= steps; step++) {
        await sleep(Number(payload.step_ms ?? 500), ctx.signal);
        await ctx.progress(Math.round((step / steps) * 100));
      }
      return { file: `reports/${payload.month ?? "latest"}.csv`, rows: steps * 1000 };
    },
  });

  // A flaky partner API: fails its first attempts, retried with backoff, and (unless
  // payload.succeed_on_attempt is within max_attempts) ends in the dead-letter set.
  errand.define("sync-crm", {
    queue: "reports",
    maxAttempts: 3,
    backoff: { baseMs: 1_000, maxMs: 10_000, jitter: 0.2 },
    handler: async (payload, ctx) => {
      await sleep(100, ctx.signal);
      if (ctx.job.attempt < Number(payload.succeed_on_attempt ?? Infinity)) {
        throw new Error(`CRM answered 503 for account ${payload.account ?? "unknown"} (attempt ${ctx.job.attempt})`);
      }
      return { synced: payload.account ?? "unknown", attempt: ctx.job.attempt };
    },
  });
}
