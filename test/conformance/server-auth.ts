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

    it("without tokens the server refuses to listen beyond loopback", async () => {
      const open = new ErrandServer(s.errand, { logger: s.errand.logger, tokens: [] });
      await expect(open.listen({ port: 0, host: "0.0.0.0" })).rejects.toThrow(/without API tokens/);
      await open.close();
    });
  });
}
