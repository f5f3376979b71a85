import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

/** The flow and batch routes over real HTTP, against one backend. */
export function describeServerFlowRoutes(factory: StoreFactory): void {
  describe(`HTTP API flow and batch routes: ${factory.name}`, () => {
    let s: RunningServer;
    const call = <T = any>(method: string, path: string, body?: unknown) => http<T>(s.url, method, path, body === undefined ? {} : { body });
    const jobCount = async () => (await s.errand.listJobs({ limit: 1000 })).jobs.length;

    beforeAll(async () => {
      s = await startServer(factory);
    });
    afterAll(() => s.close());

    it("POST /v1/flows: 202 with the flow; it runs in order and GET /v1/flows/:id shows every node", async () => {
      const res = await call("POST", "/v1/flows", {
        nodes: {
          fetch: { type: "echo", payload: { step: "fetch" } },
          parse: { type: "echo", payload: { step: "parse" }, after: ["fetch"] },
          store: { type: "echo", payload: { step: "store" }, after: ["parse", "fetch"], priority: 2 },
        },
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ state: "running", nodes: { fetch: { after: [] }, store: { after: ["parse", "fetch"] } } });
      expect(res.body.nodes.store.job).toMatchObject({ state: "blocked", priority: 2, flow_node: "store", flow_id: res.body.id });
      const done = await waitFor(async () => {
        const got = await call("GET", `/v1/flows/${res.body.id}`);
        return got.body.state === "completed" ? got : null;
      });
      expect(done.status).toBe(200);
      expect(done.body.nodes.store.job.result).toEqual({ step: "store" });
    });

    it("POST /v1/flows: 400 naming the field for a cycle, an unknown parent or a bad option; 415 for a body not sent as JSON; 422 for an unknown type; nothing written", async () => {
      const before = await jobCount();
      const cycle = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", after: ["b"] }, b: { type: "echo", after: ["a"] } } });
      expect(cycle.status).toBe(400);
      expect(cycle.body.error.field).toMatch(/^nodes\.(a|b)\.after$/);
      const unknown = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", after: ["ghost"] } } });
      expect(unknown.body.error).toMatchObject({ code: "invalid_input", field: "nodes.a.after[0]" });
      const badDelay = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", delay_ms: -1 } } });
      expect([badDelay.status, badDelay.body.error.field]).toEqual([400, "nodes.a.delay_ms"]);
      const both = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", delay_ms: 5, run_at: new Date().toISOString() } } });
      expect(both.body.error).toEqual({ code: "invalid_input", field: "nodes.a.run_at", message: "nodes.a.run_at: give either delay_ms or run_at, not both" });
      const keyed = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", idempotency_key: "k" } } });
      expect([keyed.status, keyed.body.error.field]).toEqual([400, "nodes.a.idempotency_key"]);
      const policy = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", on_parent_failure: "shrug" } } });
      expect([policy.status, policy.body.error.field]).toEqual([400, "nodes.a.on_parent_failure"]);
      const type = await call("POST", "/v1/flows", { nodes: { a: { type: "echo" }, b: { type: "nope", after: ["a"] } } });
      expect([type.status, type.body.error.field]).toEqual([422, "nodes.b.type"]);
      const badName = await call("POST", "/v1/flows", { nodes: { ok: { type: "echo" }, "a b": { type: "echo", after: ["ok"] } } });
      expect([badName.status, badName.body.error]).toEqual([400, {
        code: "invalid_input",
        field: "nodes.a b",
        message: 'nodes.a b: the name "a b" must be 1–128 characters of ASCII letters, digits and _ . : / -',
      }]);
      const xml = await http(s.url, "POST", "/v1/flows", { body: "<nodes/>", headers: { "content-type": "application/xml" } });
      expect([xml.status, xml.body.error]).toEqual([415, { code: "unsupported_media_type", message: "send the body as JSON with Content-Type: application/json", field: "body" }]);
      expect((await call("POST", "/v1/flows", { nodes: {} })).body.error).toMatchObject({ field: "nodes", message: "nodes must not be empty" });
      const emptyName = await call("POST", "/v1/flows", { nodes: { "": { type: "echo" } } });
      expect([emptyName.status, emptyName.body.error]).toEqual([400, {
        code: "invalid_input",
        field: 'nodes[""]',
        message: 'nodes[""]: the name "" must be 1–128 characters of ASCII letters, digits and _ . : / -',
      }]);
      const badParent = await call("POST", "/v1/flows", { nodes: { a: { type: "echo", after: ["x y"] } } });
      expect(badParent.body.error).toMatchObject({ field: "nodes.a.after[0]", message: expect.stringMatching(/^nodes\.a\.after\[0\] must be 1–128 characters/) });
      const empty = await call("POST", "/v1/flows", { nodes: {} });
      expect([empty.status, empty.body.error.field]).toEqual([400, "nodes"]);
      // A node name may hold dots: the field still names the node, then the body's own field.
      let deep: Record<string, unknown> = {};
      const payload = { userId: deep };
      for (let i = 0; i < 40; i++) deep = deep.userId = {};
      for (const name of ["resize", "stage.resize", "7"]) {
        const node = `nodes.${name}`;
        const tooDeep = await call("POST", "/v1/flows", { nodes: { [name]: { type: "echo", payload } } });
        expect([tooDeep.status, tooDeep.body.error.field]).toEqual([400, expect.stringMatching(new RegExp(`^${node.replace(/[.[\]]/g, "\\$&")}\\.payload\\.userId\\.userId`))]);
        const parentless = await call("POST", "/v1/flows", { nodes: { [name]: { type: "echo", after: ["ghost"], max_attempts: 1 } } });
        expect(parentless.body.error.field).toBe(`${node}.after[0]`);
      }
      expect(await jobCount()).toBe(before);
    });

    it("POST /v1/flows/:id/cancel cancels the unfinished nodes; 404 for an unknown flow, 400 for a malformed id", async () => {
      const created = await call("POST", "/v1/flows", {
        nodes: { hold: { type: "hold" }, after: { type: "echo", after: ["hold"] } },
      });
      await waitFor(async () => (await call("GET", `/v1/flows/${created.body.id}`)).body.nodes.hold.job.state === "running");
      const canceled = await call("POST", `/v1/flows/${created.body.id}/cancel`);
      expect(canceled.status).toBe(200);
      expect(canceled.body.state).toBe("canceled");
      expect(canceled.body.nodes.after.job.state).toBe("canceled");
      expect((await call("POST", "/v1/flows/999999/cancel")).status).toBe(404);
      const missing = await call("GET", "/v1/flows/999999");
      expect([missing.status, missing.body.error.code]).toEqual([404, "not_found"]);
      const badId = { code: "invalid_input", field: "id", message: "id must be a positive integer up to 9223372036854775807" };
      for (const [method, path] of [["GET", "/v1/flows/abc"], ["POST", "/v1/flows/1.5/cancel"]]) {
        const malformed = await call(method!, path!);
        expect([method, path, malformed.status, malformed.body.error]).toEqual([method, path, 400, badId]);
      }
    });

    it("GET /v1/batches/:id shows the counts; 404 for an unknown batch, 400 for a malformed id", async () => {
      const { batch, onComplete } = await s.errand.enqueueBatch(
        [{ type: "echo", payload: 1 }, { type: "fail", payload: {} }],
        { onComplete: { type: "echo", payload: { report: true } } },
      );
      await waitFor(async () => (await s.errand.getJob(onComplete.id))?.state === "completed");
      const res = await call("GET", `/v1/batches/${batch.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: batch.id, state: "ended", total: 2, completed: 1, failed: 1, canceled: 0, on_complete_job_id: onComplete.id });
      expect((await call("GET", `/v1/jobs/${onComplete.id}`)).body.result).toEqual({ report: true, batchId: batch.id, completed: 1, failed: 1, canceled: 0 });
      expect((await call("GET", "/v1/batches/999999")).status).toBe(404);
      const malformed = await call("GET", "/v1/batches/abc");
      expect([malformed.status, malformed.body.error]).toEqual([400, { code: "invalid_input", field: "id", message: "id must be a positive integer up to 9223372036854775807" }]);
    });

    it("POST /v1/batches: 202 with the batch, its members and on_complete, which runs once they ended; 400/422 naming the field, nothing written", async () => {
      const before = await jobCount();
      const refusals: [unknown, number, string][] = [
        [{ jobs: [{ type: "echo" }] }, 400, "on_complete"],
        [{ jobs: [], on_complete: { type: "echo" } }, 400, "jobs"],
        [{ jobs: Array.from({ length: 10_001 }, () => ({ type: "echo" })), on_complete: { type: "echo" } }, 400, "jobs"],
        [{ jobs: [{ type: "echo", delay_ms: -1 }], on_complete: { type: "echo" } }, 400, "jobs[0].delay_ms"],
        [{ jobs: [{ type: "echo", idempotency_key: "k" }], on_complete: { type: "echo" } }, 400, "jobs[0].idempotency_key"],
        [{ jobs: [{ type: "echo" }], on_complete: { type: "echo", payload: [1] } }, 400, "on_complete.payload"],
        [{ jobs: [{ type: "echo" }], on_complete: { type: "echo", payload: { completed: 3 } } }, 400, "on_complete.payload.completed"],
        [{ jobs: [{ type: "echo" }, { type: "nope" }], on_complete: { type: "echo" } }, 422, "jobs[1].type"],
        [{ jobs: [{ type: "echo" }], on_complete: { type: "nope" } }, 422, "on_complete.type"],
      ];
      for (const [body, status, field] of refusals) {
        const res = await call("POST", "/v1/batches", body);
        expect([res.status, res.body.error?.field], JSON.stringify(body)).toEqual([status, field]);
      }
      expect(await jobCount()).toBe(before);

      const res = await call("POST", "/v1/batches", {
        jobs: [{ type: "echo", payload: { n: 1 } }, { type: "fail" }],
        on_complete: { type: "echo", payload: { campaign: "spring" }, priority: 5 },
      });
      expect(res.status).toBe(202);
      const { batch, jobs, on_complete } = res.body;
      expect(batch).toMatchObject({ state: "running", total: 2, completed: 0, on_complete_job_id: on_complete.id });
      expect(jobs.map((j: { type: string; batch_id: string }) => [j.type, j.batch_id])).toEqual([["echo", batch.id], ["fail", batch.id]]);
      expect(on_complete).toMatchObject({ type: "echo", state: "blocked", priority: 5 });
      await waitFor(async () => (await s.errand.getJob(on_complete.id))?.state === "completed", { what: "on_complete to run" });
      expect((await call("GET", `/v1/jobs/${on_complete.id}`)).body.result).toEqual({ campaign: "spring", batchId: batch.id, completed: 1, failed: 1, canceled: 0 });
      expect((await call("GET", `/v1/batches/${batch.id}`)).body).toMatchObject({ state: "ended", completed: 1, failed: 1 });
    });
  });
}
