import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/server/auth.js";
import { ErrandServer } from "../../src/server/server.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import type { StoreFactory } from "../helpers/store-factory.js";

const WRITER = "writer-token-1";
const READER = "reader-token-2";
const ADMIN = "admin-token-3";

export function describeServerAuth(factory: StoreFactory): void {
  describe(`HTTP API auth: ${factory.name}`, () => {
    let s: RunningServer;
    beforeAll(async () => {
      s = await startServer(factory, {
        worker: false,
        tokens: [
          { sha256: sha256Hex(WRITER), scopes: ["jobs:write"] },
          { sha256: sha256Hex(READER), scopes: ["jobs:read"] },
          { sha256: sha256Hex(ADMIN), scopes: ["admin"] },
        ],
      });
    });
    afterAll(() => s.close());

    it("401 without a token or with an unknown one, before the body is even looked at", async () => {
      for (const token of [undefined, "not-a-configured-token"]) {
        const res = await http(s.url, "POST", "/v1/jobs", { body: "{malformed", token });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
        // It says how to authenticate (RFC 9110 §11.6.1; RFC 6750 for the unknown token).
        expect(res.headers.get("www-authenticate")).toBe(token === undefined ? 'Bearer realm="errand"' : 'Bearer realm="errand", error="invalid_token"');
      }
      expect((await http(s.url, "GET", "/v1/jobs", { headers: { authorization: "Basic abc" } })).status).toBe(401);
      expect((await s.errand.listJobs()).jobs).toHaveLength(0);
    });

    it("403 when the token lacks the route's scope; admin may do everything", async () => {
      const created = await http(s.url, "POST", "/v1/jobs", { body: { type: "declared" }, token: WRITER });
      expect(created.status).toBe(202);
      const forbidden = await http(s.url, "GET", `/v1/jobs/${created.body.id}`, { token: WRITER });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error).toMatchObject({ code: "forbidden", message: expect.stringContaining("jobs:read") });
      expect((await http(s.url, "GET", `/v1/jobs/${created.body.id}`, { token: READER })).status).toBe(200);
      expect((await http(s.url, "GET", `/v1/jobs/${created.body.id}/events`, { token: WRITER })).status).toBe(403);
      expect((await http(s.url, "POST", "/v1/jobs", { body: { type: "declared" }, token: READER })).status).toBe(403);
      expect((await http(s.url, "DELETE", `/v1/jobs/${created.body.id}`, { token: READER })).status).toBe(403);
      expect((await http(s.url, "POST", "/v1/queues/default/pause", { token: WRITER })).status).toBe(403);
      expect((await http(s.url, "GET", "/v1/queues", { token: READER })).status).toBe(200);
      expect((await http(s.url, "POST", "/v1/queues/default/pause", { token: ADMIN })).status).toBe(200);
      expect((await http(s.url, "DELETE", `/v1/jobs/${created.body.id}`, { token: ADMIN })).status).toBe(200);
    });

    it("takes the Bearer scheme in any case, the token only as configured", async () => {
      for (const scheme of ["bearer", "BEARER"])
        expect((await http(s.url, "GET", "/v1/queues", { headers: { authorization: `${scheme} ${READER}` } })).status, scheme).toBe(200);
      expect((await http(s.url, "GET", "/v1/queues", { headers: { authorization: `Bearer ${READER.toUpperCase()}` } })).status).toBe(401);
      // RFC 9110 allows more than one space after the scheme.
      expect((await http(s.url, "GET", "/v1/queues", { headers: { authorization: `Bearer   ${READER}` } })).status).toBe(200);
    });

    it("health and the OpenAPI document need no token", async () => {
      for (const path of ["/healthz", "/readyz", "/openapi.json"]) expect((await http(s.url, "GET", path)).status).toBe(200);
    });

    it("without tokens, refuses what a web page could forge: a write from another origin, a Host that is not loopback (DNS rebinding)", async () => {
      const open = await startServer(factory, { worker: false });
      try {
        const port = new URL(open.url).port;
        const paused = async () => (await http(open.url, "GET", "/v1/queues")).body.queues.some((q: { paused: boolean }) => q.paused);
        // A page elsewhere posts with no body, which needs no preflight.
        const forgeries: Record<string, string>[] = [{ origin: "http://evil.example" }, { origin: `http://localhost:${Number(port) + 1}` }, { origin: "null" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }];
        for (const headers of forgeries) {
          const forged = await http(open.url, "POST", "/v1/queues/mail/pause", { headers });
          expect([forged.status, forged.body.error?.code, forged.body.error?.field]).toEqual([403, "cross_origin_write", "origin"]);
        }
        expect(await paused()).toBe(false);
        // The dashboard's own requests, and clients that are not browsers, go through.
        expect((await http(open.url, "POST", "/v1/queues/mail/pause", { headers: { origin: new URL(open.url).origin, "sec-fetch-site": "same-origin" } })).status).toBe(200);
        expect((await http(open.url, "POST", "/v1/queues/mail/resume")).status).toBe(200);
        // A name that a page made to resolve to 127.0.0.1 may not even read.
        const rebound = await rawGet(open.url, "/v1/jobs", "attacker.example");
        expect([rebound.status, JSON.parse(rebound.body).error.code]).toEqual([403, "forbidden_host"]);
        for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, "localhost"]) expect((await rawGet(open.url, "/v1/jobs", host)).status).toBe(200);
      } finally {
        await open.close();
      }
    });

    it("with tokens, a page's Origin or Host changes nothing: the token decides", async () => {
      const res = await http(s.url, "POST", "/v1/queues/mail/pause", { token: ADMIN, headers: { origin: "http://elsewhere.example" } });
      expect(res.status).toBe(200);
      expect((await rawGet(s.url, "/healthz", "errand.internal.example")).status).toBe(200);
      expect((await http(s.url, "POST", "/v1/queues/mail/resume", { token: ADMIN })).status).toBe(200);
    });

    it("without tokens the server refuses to listen beyond loopback", async () => {
      const open = new ErrandServer(s.errand, { logger: s.errand.logger, tokens: [] });
      await expect(open.listen({ port: 0, host: "0.0.0.0" })).rejects.toThrow(/without API tokens/);
      await open.close();
    });
  });
}

/** A GET with the Host header given (fetch sends the URL's own). */
function rawGet(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
