import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/server/auth.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const READER = "reader-token";
const WRITER = "writer-token";
const ADMIN = "admin-token";

/** /v1/schedules over real HTTP against one backend; the server's own worker fires the schedules. */
export function describeServerSchedules(factory: StoreFactory): void {
  describe(`HTTP API schedules: ${factory.name}`, () => {
    let s: RunningServer;
    const call = <T = any>(method: string, path: string, options: Parameters<typeof http>[3] = {}) =>
      http<T>(s.url, method, path, { token: ADMIN, ...options });

    beforeAll(async () => {
      s = await startServer(factory, {
        tokens: [
          { sha256: sha256Hex(READER), scopes: ["jobs:read"] },
          { sha256: sha256Hex(WRITER), scopes: ["jobs:write"] },
          { sha256: sha256Hex(ADMIN), scopes: ["admin"] },
        ],
      });
    });
    afterAll(() => s.close());

    it("PUT creates a schedule (200) with the type's defaults; GET reads it and lists it; PUT again redefines it, keeping its next tick", async () => {
      const body = { cron: "0 3 * * *", type: "declared", timezone: "Europe/Berlin", payload: { keepDays: 7 }, priority: 2, misfire: { policy: "backfill", backfill_limit: 3 } };
      const created = await call("PUT", "/v1/schedules/nightly", { body });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({
        name: "nightly",
        cron: "0 3 * * *",
        timezone: "Europe/Berlin",
        type: "declared",
        payload: { keepDays: 7 },
        queue: "elsewhere",
        priority: 2,
        max_attempts: 3,
        timeout_ms: null,
        backoff: { base_ms: 1000, max_ms: 3_600_000, jitter: 0.5 },
        misfire: { policy: "backfill", backfill_limit: 3, grace_ms: 60_000 },
        paused: false,
        next_tick_at: expect.any(String),
        last_tick_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect((await call("GET", "/v1/schedules/nightly", { token: READER })).body).toEqual(created.body);
      expect((await call("GET", "/v1/schedules", { token: READER })).body).toEqual({ schedules: [created.body] });
      const redefined = await call("PUT", "/v1/schedules/nightly", { body: { ...body, payload: { keepDays: 1 }, timeout_ms: 30_000, backoff: { base_ms: 60_000 } } });
      expect(redefined.body).toMatchObject({ payload: { keepDays: 1 }, next_tick_at: created.body.next_tick_at });
      expect(redefined.body).toMatchObject({ timeout_ms: 30_000, backoff: { base_ms: 60_000, max_ms: 3_600_000, jitter: 0.5 } });
      expect((await s.errand.getSchedule("nightly"))!.jobOptions).toMatchObject({ timeoutMs: 30_000, backoff: { baseMs: 60_000 } });
      expect((await call("DELETE", "/v1/schedules/nightly")).status).toBe(204);
    });

    it("400 naming the field for a bad cron, time zone, misfire policy or option; 422 for an unknown type; nothing saved", async () => {
      const put = (body: object, name = "bad") => call("PUT", `/v1/schedules/${name}`, { body: { cron: "* * * * *", type: "declared", ...body } });
      const cases: [object, string][] = [
        [{ cron: "61 * * * *" }, "cron"],
        [{ timezone: "Nowhere/City" }, "timezone"],
        [{ misfire: { policy: "sometimes" } }, "misfire.policy"],
        [{ misfire: { backfill_limit: 0 } }, "misfire.backfill_limit"],
        [{ max_attempts: "3" }, "max_attempts"],
        [{ backoff: { max_ms: -5 } }, "backoff.max_ms"],
        [{ backoff: { base_ms: 10_000, max_ms: 5 } }, "backoff.max_ms"],
        [{ colour: "red" }, "colour"],
      ];
      for (const [body, field] of cases) {
        const res = await put(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error).toMatchObject({ code: "invalid_input", field });
      }
      // In words, with the expected form; never cron-parser's puzzle ("cannot resolve alias \"eve\"").
      const prose = await put({ cron: "every day" });
      expect(prose.body.error).toMatchObject({ code: "invalid_input", field: "cron" });
      expect(prose.body.error.message).toMatch(/^cron: "every day" has 2 fields; a cron expression is 5 fields, minute hour day-of-month month day-of-week \(e\.g\. "0 3 \* \* \*"/);
      expect(prose.body.error.message).not.toContain('"eve"');
      const range = await put({ cron: "61 * * * *" });
      expect(range.body.error.message).toMatch(/^cron: is not a valid cron expression \(.*59.*\); a cron expression is 5 fields/);
      const unknown = await put({ type: "no-such-type" });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatchObject({ code: "unknown_type", field: "type" });
      expect((await put({}, "bad name")).status).toBe(400);
      expect((await call("GET", "/v1/schedules")).body.schedules).toEqual([]);
    });

    it("pauses, resumes and removes; 404 for an unknown schedule", async () => {
      await call("PUT", "/v1/schedules/hourly", { body: { cron: "0 * * * *", type: "declared" } });
      expect((await call("POST", "/v1/schedules/hourly/pause")).body.paused).toBe(true);
      expect((await call("GET", "/v1/schedules/hourly")).body.paused).toBe(true);
      expect((await call("POST", "/v1/schedules/hourly/resume")).body.paused).toBe(false);
      expect((await call("DELETE", "/v1/schedules/hourly")).status).toBe(204);
      for (const [method, path] of [["GET", ""], ["DELETE", ""], ["POST", "/pause"], ["POST", "/resume"]] as const) {
        const res = await call(method, `/v1/schedules/hourly${path}`);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
    });

    it("reading needs jobs:read; defining, pausing and removing need admin", async () => {
      expect((await call("GET", "/v1/schedules", { token: WRITER })).status).toBe(403);
      expect((await call("GET", "/v1/schedules", { token: READER })).status).toBe(200);
      for (const token of [READER, WRITER]) {
        expect((await call("PUT", "/v1/schedules/x", { token, body: { cron: "* * * * *", type: "declared" } })).status).toBe(403);
        expect((await call("POST", "/v1/schedules/x/pause", { token })).status).toBe(403);
        expect((await call("DELETE", "/v1/schedules/x", { token })).status).toBe(403);
      }
      const doc = (await call("GET", "/openapi.json")).body;
      expect(doc.paths["/v1/schedules/{name}"].put["x-required-scope"]).toBe("admin");
      expect(doc.paths["/v1/schedules"].get["x-required-scope"]).toBe("jobs:read");
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/schedules/{name}/pause", "/v1/schedules/{name}/resume"]));
    });

    it("a schedule defined over HTTP is fired by the server's worker: its jobs run", async () => {
      await call("PUT", "/v1/schedules/echo-every-second", { body: { cron: "* * * * * *", type: "echo", payload: { beat: true } } });
      const done = await waitFor(
        async () => (await s.errand.listJobs({ type: "echo", state: "completed", limit: 10 })).jobs.find((j) => j.idempotencyKey?.startsWith("errand:schedule:echo-every-second:")),
        { timeoutMs: 5_000, what: "a scheduled echo job completed" },
      );
      expect(done.result).toEqual({ beat: true });
      expect((await call("GET", "/v1/schedules/echo-every-second")).body.last_tick_at).not.toBeNull();
      await call("DELETE", "/v1/schedules/echo-every-second");
    });
  });
}
