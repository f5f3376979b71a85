import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import type { StoreFactory } from "../helpers/store-factory.js";

const FIELDS = ["type", "payload", "queue", "priority", "delay_ms", "run_at", "max_attempts", "timeout_ms", "idempotency_key", "webhook_url"];

/** A field the schema knows, holding a value of a type it never accepts there. */
const wrongTypedField = fc.oneof(
  fc.record({ type: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())) }),
  fc.record({ type: fc.constant("echo"), priority: fc.oneof(fc.string(), fc.double({ noInteger: true }), fc.constant(null)) }),
  fc.record({ type: fc.constant("echo"), delay_ms: fc.oneof(fc.string(), fc.integer({ max: -1 }), fc.constant(1e300)) }),
  fc.record({ type: fc.constant("echo"), max_attempts: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 }), fc.string()) }),
  fc.record({ type: fc.constant("echo"), run_at: fc.string().filter((s) => Number.isNaN(Date.parse(s))) }),
  fc.record({ type: fc.constant("echo"), queue: fc.oneof(fc.constant(""), fc.string({ minLength: 129, maxLength: 200 }), fc.integer()) }),
  fc.record({ type: fc.constant("echo"), idempotency_key: fc.oneof(fc.constant(""), fc.integer(), fc.string({ minLength: 256, maxLength: 300 })) }),
  fc.record({ type: fc.constant("echo"), webhook_url: fc.oneof(fc.integer(), fc.constant(""), fc.string({ maxLength: 20 }).map((s) => `ftp://${s}`)) }),
);

/** An object with at least one field the API does not define. */
const unknownField = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !FIELDS.includes(k)),
    fc.jsonValue(),
    fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue(), { maxKeys: 4 }),
  )
  .map(([key, value, rest]) => ({ ...rest, [key]: value }));

/** Not an object at all, or an object naming a type nobody defined. */
const notAJobObject = fc.oneof(
  fc.jsonValue().filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
  fc.record({ type: fc.stringMatching(/^[a-z]{3,12}$/).map((t) => `unknown-${t}`), payload: fc.jsonValue() }),
);

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Bytes that are not the JSON of a valid body: garbage, truncations, hostile keys, deep nesting. */
const rawHostileText = fc.oneof(
  fc.string(),
  // Not when the text happens to complete a valid body (`1}` makes one that is rightly accepted).
  fc.string().map((s) => `{"type":"echo","payload":${s}`).filter((text) => !parsesAsJson(text)),
  fc.constantFrom(
    '{"type":"echo","__proto__":{"polluted":true}}',
    '{"type":"echo","constructor":{"prototype":{"polluted":true}}}',
    '{"type":"echo","payload":' + "[".repeat(5000) + "]".repeat(5000) + "}",
    '{"type":"echo","payload":' + "[".repeat(100_000) + "]".repeat(100_000) + "}",
    '{"type":"echo","payload":"\\ud800"',
    '{"type":"echo"}{"type":"echo"}',
    "\u0000\u0001\u0002",
    "[]",
    "null",
  ),
);

const hostileJob = fc.oneof(wrongTypedField, unknownField, notAJobObject);

export function describeServerHostileBodies(factory: StoreFactory): void {
  describe(`HTTP API under malformed and hostile bodies (property-based): ${factory.name}`, () => {
    let s: RunningServer;
    beforeAll(async () => {
      s = await startServer(factory, { worker: false, bodyLimit: 512 * 1024 });
    });
    afterAll(() => s.close());

    const expectRejectedAndNothingCreated = async (path: string, body: unknown) => {
      const res = await http(s.url, "POST", path, { body });
      if (res.status < 400 || res.status >= 500) throw new Error(`${path} answered ${res.status} to ${String(JSON.stringify(body)).slice(0, 300)}`);
      expect(res.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      expect((await s.errand.listJobs({ limit: 1 })).jobs).toHaveLength(0);
    };

    it("POST /v1/jobs answers only 4xx to invalid JSON objects, and creates nothing", async () => {
      await fc.assert(fc.asyncProperty(hostileJob, (body) => expectRejectedAndNothingCreated("/v1/jobs", body)), { numRuns: 150 });
    });

    it("POST /v1/jobs answers only 4xx to hostile bytes, and creates nothing", async () => {
      await fc.assert(
        fc.asyncProperty(rawHostileText, (text) => expectRejectedAndNothingCreated("/v1/jobs", text)),
        { numRuns: 100 },
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it("answers requests the HTTP parser refuses (oversized headers, broken framing) in the API's error shape", async () => {
      const { hostname, port } = new URL(s.url);
      const raw = (request: string) =>
        new Promise<{ status: number; body: { error: { code: string; message: string } } }>((resolve, reject) => {
          const socket = connect(Number(port), hostname, () => socket.write(request));
          let text = "";
          socket.on("data", (chunk) => (text += chunk));
          socket.on("error", reject);
          socket.on("close", () => resolve({ status: Number(text.split(" ")[1]), body: JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) }));
        });
      const big = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
      expect(big).toMatchObject({ status: 431, body: { error: { code: "headers_too_large", message: expect.any(String) } } });
      const garbled = await raw("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n");
      expect(garbled).toMatchObject({ status: 400, body: { error: { code: "malformed_request", message: expect.any(String) } } });
    });

    it("POST /v1/jobs/batch: any bad item rejects the whole batch with 4xx, nothing created", async () => {
      const valid = fc.record({ type: fc.constantFrom("echo", "declared"), payload: fc.jsonValue() }, { requiredKeys: ["type"] });
      const batch = fc
        .tuple(fc.array(valid, { maxLength: 5 }), hostileJob, fc.array(valid, { maxLength: 5 }))
        .map(([before, bad, after]) => ({ jobs: [...before, bad, ...after] }));
      const notABatch = fc.oneof(fc.jsonValue(), fc.record({ jobs: fc.oneof(fc.constant([]), fc.jsonValue().filter((v) => !Array.isArray(v))) }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(batch, notABatch, rawHostileText), (body) => expectRejectedAndNothingCreated("/v1/jobs/batch", body)),
        { numRuns: 150 },
      );
    });
  });
}
