import { get } from "node:http";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreFactory } from "../helpers/store-factory.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import { readEventStream } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

const JOB_FIELDS = ["id", "type", "queue", "state", "payload", "priority", "attempt", "max_attempts", "progress", "result", "errors",
  "idempotency_key", "created_at", "run_at", "started_at", "finished_at"];

/** Every /v1 route and status code, over real HTTP, against one backend. */
export function describeServerRoutes(factory: StoreFactory): void {
  describe(`HTTP API routes: ${factory.name}`, () => {
    let s: RunningServer;
    const call = <T = any>(method: string, path: string, options?: Parameters<typeof http>[3]) => http<T>(s.url, method, path, options);
    const jobCount = async () => (await s.errand.listJobs({ limit: 1000 })).jobs.length;

    beforeAll(async () => {
      s = await startServer(factory, { bodyLimit: 64 * 1024 });
    });
    afterAll(() => s.close());

    it("POST /v1/jobs: 202 with the committed job, carrying the request id", async () => {
      const res = await call("POST", "/v1/jobs", {
        body: { type: "echo", payload: { n: 1 }, queue: "default", priority: 3, max_attempts: 2, timeout_ms: 5000 },
        headers: { "x-request-id": "req-abc.123" },
      });
      expect(res.status).toBe(202);
      expect(res.headers.get("x-request-id")).toBe("req-abc.123");
      for (const field of JOB_FIELDS) expect(res.body).toHaveProperty(field);
      expect(res.body).toMatchObject({ type: "echo", payload: { n: 1 }, priority: 3, max_attempts: 2, timeout_ms: 5000, correlation_id: "req-abc.123" });
      expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
      expect(await s.errand.getJob(res.body.id)).not.toBeNull();
      const done = await waitFor(async () => (await call("GET", `/v1/jobs/${res.body.id}`)).body.state === "completed" && (await call("GET", `/v1/jobs/${res.body.id}`)).body);
      expect(done).toMatchObject({ result: { n: 1 }, attempt: 1 });
      expect(done.finished_at).toEqual(expect.any(String));
    });

    it("POST /v1/jobs: backoff sets the job's retry delays, the fields left out the type's; every job shows its backoff", async () => {
      const res = await call("POST", "/v1/jobs", { body: { type: "declared", delay_ms: 60_000, backoff: { base_ms: 250, jitter: 0 } } });
      expect(res.status).toBe(202);
      expect(res.body.backoff).toEqual({ base_ms: 250, max_ms: 3_600_000, jitter: 0 });
      expect((await s.errand.getJob(res.body.id))!.backoff).toEqual({ baseMs: 250, maxMs: 3_600_000, jitter: 0 });
      const plain = await call("POST", "/v1/jobs", { body: { type: "declared", delay_ms: 60_000 } });
      expect((await call("GET", `/v1/jobs/${plain.body.id}`)).body.backoff).toEqual({ base_ms: 1000, max_ms: 3_600_000, jitter: 0.5 });
    });

    it("generates an X-Request-Id when absent (or not sane) and returns it", async () => {
      const res = await call("POST", "/v1/jobs", { body: { type: "declared" }, headers: { "x-request-id": "bad id with spaces" } });
      expect(res.status).toBe(202);
      const id = res.headers.get("x-request-id")!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.correlation_id).toBe(id);
      expect(res.body.payload).toEqual({});
      expect((await call("GET", "/healthz")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("POST /v1/jobs: a repeated idempotency_key is 200 with the existing job, nothing created", async () => {
      const first = await call("POST", "/v1/jobs", { body: { type: "declared", idempotency_key: "signup-42", delay_ms: 60_000 } });
      expect(first.status).toBe(202);
      expect(first.body.state).toBe("scheduled");
      const before = await jobCount();
      const again = await call("POST", "/v1/jobs", { body: { type: "declared", idempotency_key: "signup-42", payload: { other: true } } });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(await jobCount()).toBe(before);
    });

    it("POST /v1/jobs: 422 for a type neither handled nor declared; declared types are accepted", async () => {
      const before = await jobCount();
      const res = await call("POST", "/v1/jobs", { body: { type: "no-such-type" } });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ error: { code: "unknown_type", message: expect.stringContaining("no-such-type"), field: "type" } });
      expect(await jobCount()).toBe(before);
      expect((await call("POST", "/v1/jobs", { body: { type: "declared", run_at: new Date(Date.now() + 60_000).toISOString() } })).status).toBe(202);
    });

    it("POST /v1/jobs: 400 naming the field for unknown fields, wrong types, bad values and library limits", async () => {
      const before = await jobCount();
      const cases: [unknown, string][] = [
        [{ type: "echo", extra: 1 }, "extra"],
        [{ type: "echo", priority: "5" }, "priority"],
        [{ type: "echo", delay_ms: -1 }, "delay_ms"],
        [{ type: "echo", max_attempts: 0 }, "max_attempts"],
        [{ type: "echo", run_at: "tomorrow" }, "run_at"],
        [{ type: "echo", delay_ms: 5, run_at: new Date().toISOString() }, "run_at"],
        [{ type: 42 }, "type"],
        [{ payload: {} }, "type"],
        [{ type: "echo", queue: "bad queue!" }, "queue"],
        [{ type: "echo", payload: JSON.parse("[".repeat(40) + "]".repeat(40)) }, "payload" + "[0]".repeat(32)],
        [{ type: "echo", backoff: "fast" }, "backoff"],
        [{ type: "echo", backoff: { base_ms: -1 } }, "backoff.base_ms"],
        [{ type: "echo", backoff: { jitter: 2 } }, "backoff.jitter"],
        [{ type: "echo", backoff: { baseMs: 5 } }, "backoff.baseMs"],
        [{ type: "echo", backoff: { base_ms: 5000, max_ms: 100 } }, "backoff.max_ms"],
      ];
      for (const [body, field] of cases) {
        const res = await call("POST", "/v1/jobs", { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error).toMatchObject({ code: "invalid_input", field });
        expect(res.body.error.message, JSON.stringify(body)).not.toMatch(/pattern|format "/);
      }
      const runAt = await call("POST", "/v1/jobs", { body: { type: "echo", run_at: "tomorrow" } });
      expect(runAt.body.error.message).toBe("run_at must be an ISO 8601 date-time such as 2030-01-31T09:00:00Z");
      const backoff = await call("POST", "/v1/jobs", { body: { type: "echo", backoff: { base_ms: 5000, max_ms: 100 } } });
      expect(backoff.body.error.message).toBe("backoff.max_ms: must be an integer from base_ms (5000) to 3153600000000 (100 years)");
      // The schema's bounds and types in words, not ajv's ("must NOT have fewer than 1 characters").
      const messages: [unknown, string][] = [
        [{ type: "echo", priority: "5" }, "priority must be an integer"],
        [{ type: "echo", delay_ms: -1 }, "delay_ms must be ≥ 0"],
        [{ type: "echo", idempotency_key: "" }, "idempotency_key must not be empty"],
        [{ type: "echo", idempotency_key: "k".repeat(256) }, "idempotency_key must be at most 255 characters"],
      ];
      for (const [body, message] of messages) expect((await call("POST", "/v1/jobs", { body })).body.error.message).toBe(message);
      expect((await call("POST", "/v1/jobs/batch", { body: { jobs: [] } })).body.error.message).toBe("jobs must not be empty");
      expect(await jobCount()).toBe(before);
    });

    it("every /v1 route refuses query fields and body fields it does not read, changing nothing; probes stay lenient", async () => {
      const job = (await call("POST", "/v1/jobs", { body: { type: "echo", delay_ms: 60_000 } })).body;
      const refused: [string, string, { body?: unknown }, string][] = [
        ["GET", "/v1/queues?foo=1", {}, "foo"],
        ["GET", `/v1/jobs/${job.id}?foo=1`, {}, "foo"],
        ["GET", "/v1/schedules?foo=1", {}, "foo"],
        ["POST", "/v1/queues/mail/pause", { body: { x: 1 } }, "x"],
        ["DELETE", `/v1/jobs/${job.id}`, { body: { force: true } }, "force"],
        ["POST", `/v1/jobs/${job.id}/retry`, { body: { x: 1 } }, "x"],
      ];
      for (const [method, path, options, field] of refused) {
        const res = await call(method, path, options);
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body.error, `${method} ${path}`).toEqual({ code: "invalid_input", field, message: `${field} is not a known field` });
      }
      expect((await call("GET", "/v1/queues")).body.queues.find((q: { name: string }) => q.name === "mail")).toBeUndefined();
      expect((await call("GET", `/v1/jobs/${job.id}`)).body.state).toBe("scheduled");
      // With no body, or an empty one, they act.
      expect((await call("POST", "/v1/queues/mail/pause", { body: {} })).status).toBe(200);
      expect((await call("POST", "/v1/queues/mail/resume")).status).toBe(200);
      expect((await call("DELETE", `/v1/jobs/${job.id}`)).body.state).toBe("canceled");
      expect((await call("GET", "/healthz?probe=lb")).status).toBe(200);
    });

    it("POST /v1/jobs and /v1/jobs/batch: library messages name options as the API does (run_at, not runAt)", async () => {
      const runAt = new Date().toISOString();
      const single = await call("POST", "/v1/jobs", { body: { type: "echo", delay_ms: 5, run_at: runAt } });
      expect(single.body.error).toEqual({ code: "invalid_input", field: "run_at", message: "run_at: give either delay_ms or run_at, not both" });
      const batch = await call("POST", "/v1/jobs/batch", { body: { jobs: [{ type: "echo" }, { type: "echo", delay_ms: 5, run_at: runAt }] } });
      expect(batch.body.error).toEqual({ code: "invalid_input", field: "jobs[1].run_at", message: "jobs[1].run_at: give either delay_ms or run_at, not both" });
      const bodies = [{ type: "echo", group_concurrency: 2 }, { type: "echo", idempotency_key: "a\u0000b" }, { type: "echo", group_key: "" }];
      for (const body of bodies) {
        const res = await call("POST", "/v1/jobs", { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.message, JSON.stringify(body)).not.toMatch(/[a-z][A-Z]/);
      }
    });

    it("POST /v1/jobs and /v1/jobs/batch: an idempotency_key or group_key with a lone surrogate is 400, nothing created", async () => {
      // UTF-8 cannot encode half a surrogate pair: PostgreSQL stored U+FFFD in its place, so a
      // repeated key never matched the key read back, and the enqueue retried its insert forever.
      const before = await jobCount();
      const cases: [unknown, string][] = [
        [{ type: "declared", idempotency_key: "key-\ud800" }, "idempotency_key"],
        [{ type: "declared", group_key: "group-\udfff" }, "group_key"],
      ];
      for (const [body, field] of cases) {
        const res = await call("POST", "/v1/jobs", { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error).toMatchObject({ code: "invalid_input", field, message: expect.stringContaining("lone surrogate") });
        const batch = await call("POST", "/v1/jobs/batch", { body: { jobs: [{ type: "declared" }, body] } });
        expect(batch.status).toBe(400);
        expect(batch.body.error.field).toBe(`jobs[1].${field}`);
      }
      expect(await jobCount()).toBe(before);
      // A whole pair is an ordinary character, and a repeat finds its job.
      const first = await call("POST", "/v1/jobs", { body: { type: "declared", idempotency_key: "key-\ud83d\ude00" } });
      expect(first.status).toBe(202);
      const again = await call("POST", "/v1/jobs", { body: { type: "declared", idempotency_key: "key-\ud83d\ude00" } });
      expect([again.status, again.body.id, again.body.idempotency_key]).toEqual([200, first.body.id, "key-\ud83d\ude00"]);
    });

    it("POST /v1/jobs: malformed JSON, empty and oversized bodies, wrong media type are 4xx with an error body", async () => {
      const before = await jobCount();
      const malformed = await call("POST", "/v1/jobs", { body: '{"type": "echo",' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toMatchObject({ code: "invalid_json", field: "body" });
      expect((await call("POST", "/v1/jobs", { body: "" })).body.error).toMatchObject({ code: "invalid_json", field: "body" });
      const big = await call("POST", "/v1/jobs", { body: { type: "echo", payload: "x".repeat(70 * 1024) } });
      expect(big.status).toBe(400);
      expect(big.body.error).toMatchObject({ code: "body_too_large", field: "body" });
      // Keys that pollute JavaScript objects are refused by name, not called invalid JSON.
      const poisoned: [string, string, string][] = [
        ["/v1/jobs", '{"__proto__": {"x": 1}, "type": "echo"}', "__proto__"],
        ["/v1/jobs", '{"type": "echo", "payload": {"meta": {"__proto__": "x"}}}', "payload.meta.__proto__"],
        ["/v1/jobs/batch", '{"jobs": [{"type": "echo", "payload": {"constructor": {"prototype": {}}}}]}', "jobs[0].payload.constructor.prototype"],
      ];
      for (const [path, body, field] of poisoned) {
        const res = await call("POST", path, { body, headers: { "content-type": "application/json" } });
        expect(res.status, body).toBe(400);
        expect(res.body.error, body).toEqual({ code: "forbidden_key", field, message: expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, "\\$&")} is a key this server refuses`)) });
      }
      const text = await call("POST", "/v1/jobs", { body: "<type>echo</type>", headers: { "content-type": "application/xml" } });
      expect(text.status).toBe(415);
      expect(text.body.error).toEqual({ code: "unsupported_media_type", message: "send the body as JSON with Content-Type: application/json", field: "body" });
      // The other routes that take a body answer the same way.
      for (const [method, path] of [["POST", "/v1/jobs/batch"], ["PUT", "/v1/schedules/xml"]] as const) {
        const other = await call(method, path, { body: "<jobs/>", headers: { "content-type": "application/xml" } });
        expect([method, path, other.status, other.body.error]).toEqual([method, path, 415, text.body.error]);
      }
      // JSON labelled text/plain is read as a string: the error names the body and the header to send.
      const plain = await call("POST", "/v1/jobs", { body: JSON.stringify({ type: "echo" }), headers: { "content-type": "text/plain" } });
      expect(plain.status).toBe(400);
      expect(plain.body.error).toEqual({
        code: "invalid_input",
        field: "body",
        message: "body must be a JSON object sent with Content-Type: application/json (this request's Content-Type is text/plain)",
      });
      const array = await call("POST", "/v1/jobs", { body: [{ type: "echo" }] });
      expect(array.body.error).toEqual({ code: "invalid_input", field: "body", message: "body must be a JSON object" });
      expect(await jobCount()).toBe(before);
      // A "constructor" key is an ordinary key.
      expect((await call("POST", "/v1/jobs", { body: { type: "echo", payload: { constructor: "Ada" } } })).status).toBe(202);
    });

    it("POST /v1/jobs/batch: 202 with all jobs, created atomically", async () => {
      const res = await call("POST", "/v1/jobs/batch", { body: { jobs: [{ type: "declared", payload: { i: 1 } }, { type: "declared", payload: { i: 2 }, priority: 1 }] } });
      expect(res.status).toBe(202);
      expect(res.body.jobs.map((j: any) => j.payload)).toEqual([{ i: 1 }, { i: 2 }]);
      expect(Number(res.body.jobs[1].id)).toBeGreaterThan(Number(res.body.jobs[0].id));
    });

    it("POST /v1/jobs/batch: an idempotency_key repeated in the batch or already used is 202 with that job again; nothing more created", async () => {
      const existing = await call("POST", "/v1/jobs", { body: { type: "declared", idempotency_key: "batch-existing" } });
      const before = await jobCount();
      const res = await call("POST", "/v1/jobs/batch", { body: { jobs: [
        { type: "declared", idempotency_key: "batch-twice", payload: { n: 1 } },
        { type: "declared", idempotency_key: "batch-twice", payload: { n: 2 } },
        { type: "declared", idempotency_key: "batch-existing" },
        { type: "declared" },
      ] } });
      expect(res.status).toBe(202);
      const ids = res.body.jobs.map((j: any) => j.id);
      expect(ids).toHaveLength(4);
      expect(ids[1]).toBe(ids[0]);
      expect(res.body.jobs[1].payload).toEqual({ n: 1 }); // the first item's job; the repeat created nothing
      expect(ids[2]).toBe(existing.body.id);
      expect(new Set(ids).size).toBe(3);
      expect(await jobCount()).toBe(before + 2);
    });

    it("POST /v1/jobs/batch: one bad item is 400 (or 422) naming its index and field; nothing is created", async () => {
      const before = await jobCount();
      const ok = { type: "declared" };
      const cases: [unknown, number, string][] = [
        [{ jobs: [ok, { type: "declared", delay_ms: "soon" }] }, 400, "jobs[1].delay_ms"],
        [{ jobs: [ok, ok, { type: "declared", nope: true }] }, 400, "jobs[2].nope"],
        [{ jobs: [ok, { type: "declared", delay_ms: 1, run_at: new Date().toISOString() }] }, 400, "jobs[1].run_at"],
        [{ jobs: [ok, { type: "declared", payload: JSON.parse("[".repeat(40) + "]".repeat(40)) }] }, 400, "jobs[1].payload" + "[0]".repeat(32)],
        [{ jobs: [ok, { type: "unheard-of" }] }, 422, "jobs[1].type"],
        [{ jobs: [] }, 400, "jobs"],
        [{ jobs: ok }, 400, "jobs"],
        [{ job: [ok] }, 400, "jobs"], // the missing field is named first
      ];
      for (const [body, status, field] of cases) {
        const res = await call("POST", "/v1/jobs/batch", { body });
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(res.body.error.field).toBe(field);
      }
      expect(await jobCount()).toBe(before);
    });

    it("GET /v1/jobs/:id: 200, 404 for an unknown id, 400 for a malformed one", async () => {
      const { body: job } = await call("POST", "/v1/jobs", { body: { type: "declared" } });
      expect((await call("GET", `/v1/jobs/${job.id}`)).body).toEqual(job);
      const missing = await call("GET", "/v1/jobs/987654321");
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe("not_found");
      const malformed = await call("GET", "/v1/jobs/abc");
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toEqual({ code: "invalid_input", field: "id", message: "id must be a positive integer up to 9223372036854775807" });
      for (const [method, path] of [["DELETE", "/v1/jobs/abc"], ["POST", "/v1/jobs/0/retry"], ["GET", "/v1/jobs/-1/events"]] as const) {
        const other = await call(method, path);
        expect([method, path, other.status, other.body.error]).toEqual([method, path, 400, malformed.body.error]);
      }
    });

    it("an id above the 64-bit range is a 400 naming it on every backend (PostgreSQL's bigint answered 500, SQLite 404)", async () => {
      const huge = "9223372036854775808"; // 2^63: 19 digits, like the largest id, 9223372036854775807
      const routes = [
        ["GET", `/v1/jobs/${huge}`], ["DELETE", `/v1/jobs/${huge}`], ["POST", `/v1/jobs/${huge}/retry`], ["GET", `/v1/jobs/${huge}/events`],
        ["GET", `/v1/flows/${huge}`], ["POST", `/v1/flows/${huge}/cancel`], ["GET", `/v1/batches/${huge}`], ["GET", `/v1/jobs?cursor=${huge}`],
      ] as const;
      for (const [method, path] of routes) {
        const res = await call(method, path);
        expect([method, path, res.status, res.body.error?.code, res.body.error?.field]).toEqual([method, path, 400, "invalid_input", path.includes("cursor") ? "cursor" : "id"]);
        expect(res.body.error.message).toMatch(/from 1 to 9223372036854775807/);
      }
      expect((await call("GET", "/v1/jobs/9223372036854775807")).status).toBe(404);
    });

    it("GET /v1/jobs: filters, pages with next_cursor, and rejects bad queries", async () => {
      const batch = await call("POST", "/v1/jobs/batch", { body: { jobs: Array.from({ length: 5 }, () => ({ type: "declared", queue: "listing" })) } });
      const ids = batch.body.jobs.map((j: any) => j.id).reverse();
      const first = await call("GET", "/v1/jobs?queue=listing&limit=3");
      expect(first.status).toBe(200);
      expect(first.body.jobs.map((j: any) => j.id)).toEqual(ids.slice(0, 3));
      const second = await call("GET", `/v1/jobs?queue=listing&limit=3&cursor=${first.body.next_cursor}`);
      expect(second.body).toMatchObject({ next_cursor: null });
      expect(second.body.jobs.map((j: any) => j.id)).toEqual(ids.slice(3));
      expect((await call("GET", "/v1/jobs?queue=listing&state=pending&type=declared")).body.jobs).toHaveLength(5);
      expect((await call("GET", "/v1/jobs?queue=listing&state=completed")).body.jobs).toHaveLength(0);
      for (const query of ["state=sleeping", "limit=0", "limit=1001", "limit=ten", "cursor=x", "colour=red", "queue=a%20b"]) {
        const res = await call("GET", `/v1/jobs?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.error.code).toBe("invalid_input");
        // In words, never a regular expression.
        expect(res.body.error.message, query).not.toMatch(/pattern|\^|\$/);
      }
      const words = async (query: string) => (await call("GET", `/v1/jobs?${query}`)).body.error;
      expect(await words("limit=0")).toEqual({ code: "invalid_input", field: "limit", message: "limit must be an integer from 1 to 1000" });
      expect(await words("cursor=x")).toEqual({ code: "invalid_input", field: "cursor", message: "cursor must be a positive integer up to 9223372036854775807" });
      expect(await words("queue=a%20b")).toMatchObject({ field: "queue", message: "queue must be 1–128 characters of ASCII letters, digits and _ . : / -" });
      expect((await words("state=sleeping")).message).toBe("state must be one of pending, scheduled, blocked, running, retrying, completed, failed, canceled");
      expect(await words("limit=2&limit=3")).toEqual({ code: "invalid_input", field: "limit", message: "limit is given more than once; give it once" });
      for (const query of ["omit=stack", "omit=payload,", "omit=", "omit=payload;result", "omit=payload,payload", "omit=errors,result,errors"]) {
        expect(await words(query), query).toEqual({ code: "invalid_input", field: "omit", message: "omit must be a comma-separated list of payload, result and errors, each at most once" });
      }
    });

    it("GET /v1/jobs?omit= leaves big fields out of each listed job, and nothing else", async () => {
      const payload = { blob: "x".repeat(10_000) };
      const { body: job } = await call("POST", "/v1/jobs", { body: { type: "declared", queue: "omitting", payload } });
      const full = (await call("GET", "/v1/jobs?queue=omitting")).body.jobs[0];
      expect(full).toEqual(job);
      const lean = await call("GET", "/v1/jobs?queue=omitting&omit=payload,result");
      expect(lean.status).toBe(200);
      const { payload: _, result: __, ...rest } = full;
      expect(lean.body).toEqual({ jobs: [rest], next_cursor: null });
      expect((await call("GET", "/v1/jobs?queue=omitting&omit=errors")).body.jobs[0]).not.toHaveProperty("errors");
      // A bulk change answers its page the same way, and refuses what it cannot leave out, changing nothing.
      const refused = await call("POST", "/v1/jobs/cancel", { body: { state: "pending", queue: "omitting", omit: ["payload", "stack"] } });
      expect([refused.status, refused.body.error]).toEqual([400, { code: "invalid_input", field: "omit[1]", message: expect.stringContaining("payload, result, errors") }]);
      expect((await s.errand.getJob(job.id))?.state).toBe("pending");
      const canceled = await call("POST", "/v1/jobs/cancel", { body: { state: "pending", queue: "omitting", omit: ["payload"] } });
      expect(canceled.body.jobs).toEqual([expect.objectContaining({ id: job.id, state: "canceled", result: null })]);
      expect(canceled.body.jobs[0]).not.toHaveProperty("payload");
      const replayed = await call("POST", "/v1/jobs/retry", { body: { state: "canceled", queue: "omitting", omit: ["payload", "result", "errors"] } });
      expect(Object.keys(replayed.body.jobs[0])).toEqual(Object.keys(rest).filter((field) => field !== "errors"));
    });

    it("DELETE /v1/jobs/:id: cancels (aborting a running handler), 409 once ended, 404 unknown", async () => {
      const { body: job } = await call("POST", "/v1/jobs", { body: { type: "hold" } });
      await waitFor(async () => (await s.errand.getJob(job.id))?.state === "running", { what: "hold job running" });
      const canceled = await call("DELETE", `/v1/jobs/${job.id}`);
      expect(canceled.status).toBe(200);
      expect(canceled.body.state).toBe("canceled");
      await waitFor(async () => (await s.errand.getJob(job.id))?.state === "canceled");
      const again = await call("DELETE", `/v1/jobs/${job.id}`);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe("conflict");
      expect((await call("DELETE", "/v1/jobs/987654321")).status).toBe(404);
    });

    it("POST /v1/jobs/:id/retry: replays a failed job, 409 for one that is not failed or canceled, 404 unknown", async () => {
      const { body: job } = await call("POST", "/v1/jobs", { body: { type: "fail" } });
      await waitFor(async () => (await s.errand.getJob(job.id))?.state === "failed", { what: "job failed" });
      const replayed = await call("POST", `/v1/jobs/${job.id}/retry`);
      expect(replayed.status).toBe(200);
      expect(replayed.body).toMatchObject({ state: "pending", errors: [{ attempt: 1, message: "always fails" }] });
      expect(replayed.body.errors[0]).not.toHaveProperty("stack");
      const { body: waiting } = await call("POST", "/v1/jobs", { body: { type: "declared" } });
      expect((await call("POST", `/v1/jobs/${waiting.id}/retry`)).status).toBe(409);
      expect((await call("POST", "/v1/jobs/987654321/retry")).status).toBe(404);
    });

    it("POST /v1/jobs/retry: replays a page of the dead-letter set, narrowed by type; 400 naming a bad field", async () => {
      const { body: batch } = await call("POST", "/v1/jobs/batch", { body: { jobs: [{ type: "fail" }, { type: "fail" }, { type: "fail" }] } });
      const mine: string[] = batch.jobs.map((j: { id: string }) => j.id);
      await waitFor(async () => (await Promise.all(mine.map((id) => s.errand.getJob(id)))).every((j) => j?.state === "failed"), { what: "jobs failed" });
      const page = await call("POST", "/v1/jobs/retry", { body: { type: "fail", limit: 1000 } });
      expect(page.status).toBe(200);
      expect(page.body.next_cursor).toBeNull();
      const replayed = page.body.jobs as { id: string; type: string; state: string; errors: unknown[] }[];
      expect(replayed.map((j) => j.id)).toEqual(expect.arrayContaining(mine));
      for (const job of replayed) expect(job).toMatchObject({ type: "fail", state: "pending" });
      // The smallest page, then the next from its cursor.
      await waitFor(async () => (await Promise.all(mine.map((id) => s.errand.getJob(id)))).every((j) => j?.state === "failed"), { what: "jobs failed again" });
      const one = await call("POST", "/v1/jobs/retry", { body: { type: "fail", limit: 1 } });
      expect(one.body.jobs).toHaveLength(1);
      expect(one.body.next_cursor).toBe(one.body.jobs[0].id);
      const next = await call("POST", "/v1/jobs/retry", { body: { type: "fail", limit: 1, cursor: one.body.next_cursor } });
      expect(Number(next.body.jobs[0].id)).toBeLessThan(Number(one.body.jobs[0].id));
      // Every field is optional, so the body may be left out (`curl -X POST …/retry`): the default page.
      await waitFor(async () => (await Promise.all(mine.map((id) => s.errand.getJob(id)))).every((j) => j?.state === "failed"), { what: "jobs failed a third time" });
      const bare = await call("POST", "/v1/jobs/retry");
      expect(bare.status).toBe(200);
      expect(bare.body.jobs.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining(mine));
      // An omitted body is not a stand-in for a broken one.
      expect((await call("POST", "/v1/jobs/retry", { body: "{", headers: { "content-type": "application/json" } })).body.error.code).toBe("invalid_json");
      expect((await call("POST", "/v1/jobs/cancel")).body.error).toMatchObject({ code: "invalid_input", field: "state" });
      for (const [body, field] of [[{ state: "completed" }, "state"], [{ limit: 0 }, "limit"], [{ limit: "5" }, "limit"], [{ cursor: "x" }, "cursor"], [{ everything: true }, "everything"]] as const) {
        const refused = await call("POST", "/v1/jobs/retry", { body });
        expect(refused.status).toBe(400);
        expect(refused.body.error.field).toBe(field);
      }
    });

    it("POST /v1/jobs/cancel: cancels a page of one state's jobs, narrowed by type; state is required", async () => {
      const { body: batch } = await call("POST", "/v1/jobs/batch", { body: { jobs: [1, 2, 3].map(() => ({ type: "declared", delay_ms: 60_000 })) } });
      const mine: string[] = batch.jobs.map((j: { id: string }) => j.id);
      const page = await call("POST", "/v1/jobs/cancel", { body: { state: "scheduled", type: "declared", limit: 1000 } });
      expect(page.status).toBe(200);
      expect(page.body.next_cursor).toBeNull();
      expect(page.body.jobs.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining(mine));
      for (const job of page.body.jobs) expect(job).toMatchObject({ type: "declared", state: "canceled" });
      for (const [body, field] of [[{}, "state"], [{ state: "failed" }, "state"], [{ state: "pending", queue: "bad queue!" }, "queue"]] as const) {
        const refused = await call("POST", "/v1/jobs/cancel", { body });
        expect(refused.status).toBe(400);
        expect(refused.body.error.field).toBe(field);
      }
    });

    it("GET /v1/jobs/:id/events: current state first, progress, then the terminal state, then closes", async () => {
      const { body: job } = await call("POST", "/v1/jobs", { body: { type: "steps", payload: { steps: 4, ms: 60 }, delay_ms: 150 } });
      const { status, events } = await readEventStream(`${s.url}/v1/jobs/${job.id}/events`);
      expect(status).toBe(200);
      expect(events[0]).toMatchObject({ event: "state", data: { id: job.id, state: "scheduled" } });
      const progress = events.filter((e) => e.event === "progress").map((e) => e.data.progress);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect(events.at(-1)).toMatchObject({ event: "state", data: { state: "completed", result: { done: 4 }, progress: 100 } });
      const ended = await readEventStream(`${s.url}/v1/jobs/${job.id}/events`);
      expect(ended.events).toEqual([{ event: "state", data: expect.objectContaining({ state: "completed" }) }]);
      expect((await readEventStream(`${s.url}/v1/jobs/987654321/events`)).status).toBe(404);
    });

    it("GET /v1/queues counts per state; pause stops every claim of the queue until resume", async () => {
      const paused = await call("POST", "/v1/queues/held/pause");
      expect(paused).toMatchObject({ status: 200, body: { name: "held", paused: true } });
      const { body: job } = await call("POST", "/v1/jobs", { body: { type: "echo", queue: "held" } });
      s.errand.work({ queues: ["held"], pollIntervalMs: 20 });
      const listed = await call("GET", "/v1/queues");
      expect(listed.status).toBe(200);
      expect(listed.body.queues.find((q: any) => q.name === "held")).toEqual({
        name: "held",
        paused: true,
        counts: expect.objectContaining({ pending: 1, running: 0, completed: 0 }),
      });
      await new Promise((r) => setTimeout(r, 200)); // several poll intervals: a claim would have happened
      expect((await s.errand.getJob(job.id))!.state).toBe("pending");
      expect((await call("POST", "/v1/queues/held/resume")).body).toEqual({ name: "held", paused: false });
      await waitFor(async () => (await s.errand.getJob(job.id))?.state === "completed", { what: "resumed queue worked" });
      expect((await call("POST", "/v1/queues/bad name!/pause")).status).toBe(400);
      const emptyPaused = await call("POST", "/v1/queues/quiet/pause");
      expect(emptyPaused.status).toBe(200);
      expect((await call("GET", "/v1/queues")).body.queues.find((q: any) => q.name === "quiet")).toMatchObject({ paused: true, counts: { pending: 0 } });
    });

    it("path parameters: a name of 128 characters (a / in it sent as %2F) reaches its route; a bad %-escape or an overlong segment is a 4xx in the API's error shape", async () => {
      // Fastify refused parameters over 100 characters (414, in its own body shape) before any route saw them.
      const longest = "reports/" + "q".repeat(120);
      const encoded = encodeURIComponent(longest);
      expect((await call("POST", `/v1/queues/${encoded}/pause`)).body).toEqual({ name: longest, paused: true });
      expect((await call("GET", "/v1/queues")).body.queues.find((q: any) => q.name === longest)).toMatchObject({ paused: true });
      expect((await call("POST", `/v1/queues/${encoded}/resume`)).body).toEqual({ name: longest, paused: false });
      const saved = await call("PUT", `/v1/schedules/${encoded}`, { body: { cron: "0 3 * * *", type: "declared" } });
      expect([saved.status, saved.body.name]).toEqual([200, longest]);
      expect((await call("GET", `/v1/schedules/${encoded}`)).body.name).toBe(longest);
      expect((await call("DELETE", `/v1/schedules/${encoded}`)).status).toBe(204);
      expect((await call("POST", `/v1/queues/${"q".repeat(129)}/pause`)).body.error).toMatchObject({ code: "invalid_input", field: "name" });
      // Errors Fastify raises before routing answer like every other error.
      const badEscape = await call("GET", "/v1/jobs/%");
      expect([badEscape.status, badEscape.body.error?.code]).toEqual([400, "bad_url"]);
      const overlong = await call("GET", `/v1/jobs/${"1".repeat(400)}`);
      expect([overlong.status, overlong.body.error?.code]).toEqual([414, "uri_too_long"]);
      for (const res of [badEscape, overlong]) expect(res.body.error.message).toEqual(expect.any(String));
    });

    it("GET /readyz is 503 without naming the store's error to callers (it needs no token); the log has it", async () => {
      const lines: string[] = [];
      const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
      const broken = await startServer(factory, { worker: false, logger });
      try {
        await broken.errand.store.close(); // every query fails from here on
        const res = await http<{ error: { code: string; message: string } }>(broken.url, "GET", "/readyz");
        expect(res.status).toBe(503);
        expect(res.body.error).toEqual({ code: "store_unavailable", message: "the store is not reachable, or did not answer within 2000 ms (the server's log says why)" });
        expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ msg: "readiness check failed", err: expect.any(Object) }));
      } finally {
        await broken.close();
      }
    });

    it("logs the requests of health checks and scrapes only at warn and above; the API's at info", async () => {
      const lines: { msg: string; req?: { url: string } }[] = [];
      const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
      const logged = await startServer(factory, { worker: false, logger });
      try {
        for (const path of ["/healthz", "/readyz", "/metrics", "/v1/queues"]) expect((await http(logged.url, "GET", path)).status).toBe(200);
        expect(lines.filter((l) => l.msg === "incoming request").map((l) => l.req!.url)).toEqual(["/v1/queues"]);
      } finally {
        await logged.close();
      }
    });

    it("GET /healthz, /readyz and /openapi.json describing every route; unknown routes are 404", async () => {
      expect(await call("GET", "/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
      expect(await call("GET", "/readyz")).toMatchObject({ status: 200, body: { status: "ready" } });
      const doc = (await call("GET", "/openapi.json")).body;
      expect(doc.openapi).toBe("3.1.0");
      const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(operations.sort()).toEqual([
        "DELETE /v1/jobs/{id}", "DELETE /v1/schedules/{name}", "GET /healthz", "GET /metrics", "GET /openapi.json", "GET /readyz",
        "GET /v1/batches/{id}", "GET /v1/flows/{id}", "GET /v1/jobs", "GET /v1/jobs/{id}", "GET /v1/jobs/{id}/events",
        "GET /v1/queues", "GET /v1/schedules", "GET /v1/schedules/{name}", "POST /v1/batches", "POST /v1/flows",
        "POST /v1/flows/{id}/cancel", "POST /v1/jobs", "POST /v1/jobs/batch", "POST /v1/jobs/cancel", "POST /v1/jobs/retry", "POST /v1/jobs/{id}/retry",
        "POST /v1/queues/{name}/pause", "POST /v1/queues/{name}/resume", "POST /v1/schedules/{name}/pause",
        "POST /v1/schedules/{name}/resume", "PUT /v1/schedules/{name}",
      ]);
      expect(doc.paths["/v1/jobs"].post.requestBody.content["application/json"].schema.properties).toHaveProperty("delay_ms");
      expect(doc.paths["/v1/jobs/{id}"].get.parameters[0]).toMatchObject({ name: "id", in: "path", required: true });
      // Every error a route can answer is listed: bad input on every /v1 route, token refusals where a scope is needed.
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; "x-required-scope"?: string }>>)) {
        for (const [method, op] of Object.entries(ops)) {
          const listed = Object.keys(op.responses);
          if (path.startsWith("/v1/")) expect(listed, `${method} ${path}`).toEqual(expect.arrayContaining(["400", "503"]));
          if (op["x-required-scope"]) expect(listed, `${method} ${path}`).toEqual(expect.arrayContaining(["401", "403"]));
        }
      }
      expect(Object.keys(doc.paths["/v1/jobs"].post.responses).sort()).toEqual(["200", "202", "400", "401", "403", "415", "422", "503"]);
      const missing = await call("GET", "/v2/nothing");
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe("route_not_found");
      // A path out of the dashboard's folder is refused; its status and code agree.
      // (Sent as is: fetch, and http.get given a URL, would resolve the %2e%2e segments first.)
      const escaping = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(s.url);
        get({ hostname, port, path: "/dashboard/%2e%2e/%2e%2e/package.json" }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        }).on("error", reject);
      });
      expect([escaping.status, JSON.parse(escaping.body).error.code]).toEqual([403, "forbidden"]);
    });
  });
}
