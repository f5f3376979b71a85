import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../src/server/webhooks/signature.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const SECRET = "whsec-test-secret";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real local receiver that answers 500 to the first `failFirst` deliveries, then 204 (or what `statusOf` says). */
function startReceiver(
  failFirst: number,
  statusOf = (count: number) => (count <= failFirst ? 500 : 204),
): Promise<{ server: Server; url: string; received: Received[]; answered: number[] }> {
  const received: Received[] = [];
  const answered: number[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      const status = statusOf(received.length);
      answered.push(status);
      res.writeHead(status).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, answered })),
  );
}

export function describeServerWebhooks(factory: StoreFactory): void {
  describe(`HTTP API webhooks: ${factory.name}`, () => {
    let s: RunningServer;
    beforeAll(async () => {
      s = await startServer(factory, {
        webhooks: { secret: SECRET, allowedPrivateAddresses: ["127.0.0.1"], retryBaseMs: 50, pollIntervalMs: 25, timeoutMs: 2_000 },
      });
    });
    afterAll(() => s.close());

    it("POSTs the ended job once, signed; a failed delivery is a durable job retried with backoff", async () => {
      const receiver = await startReceiver(1);
      try {
        const { body: job } = await http(s.url, "POST", "/v1/jobs", { body: { type: "echo", payload: { hi: 1 }, webhook_url: receiver.url } });
        expect(job.webhook_url).toBe(receiver.url);
        await waitFor(() => receiver.answered.includes(204), { what: "a successful delivery" });
        expect(receiver.answered).toEqual([500, 204]);
        for (const { headers, body } of receiver.received) {
          const signature = { signature: String(headers["x-errand-signature"]), timestamp: String(headers["x-errand-timestamp"]) };
          expect(verifyWebhook(SECRET, signature, body)).toBe(true);
          expect(verifyWebhook("wrong-secret", signature, body)).toBe(false);
          expect(verifyWebhook(SECRET, signature, body.replace("hi", "ho"))).toBe(false);
          expect(JSON.parse(body)).toMatchObject({ event: "job.completed", job: { id: job.id, state: "completed", result: { hi: 1 } } });
        }
        // The receiver answered before the delivery job's completion was recorded: wait for it.
        const delivery = await waitFor(async () => {
          const deliveries = (await http(s.url, "GET", "/v1/jobs?type=errand.webhook")).body.jobs;
          return deliveries.find((d: any) => d.payload.job_id === job.id && d.state === "completed");
        }, { what: "delivery job completed" });
        expect(delivery).toMatchObject({ state: "completed", attempt: 2, result: { status: 204 }, queue: "errand.webhooks", correlation_id: job.correlation_id });
        expect(receiver.received[1]!.headers["x-errand-delivery"]).toBe(delivery.id);
        await new Promise((r) => setTimeout(r, 150)); // several dispatcher rounds: no second announcement
        expect(receiver.received).toHaveLength(2);
      } finally {
        receiver.server.close();
      }
    });

    it("announces failed and canceled endings too", async () => {
      const receiver = await startReceiver(0);
      try {
        const failed = (await http(s.url, "POST", "/v1/jobs", { body: { type: "fail", webhook_url: receiver.url } })).body;
        const held = (await http(s.url, "POST", "/v1/jobs", { body: { type: "declared", webhook_url: receiver.url } })).body;
        await http(s.url, "DELETE", `/v1/jobs/${held.id}`);
        await waitFor(() => receiver.received.length === 2, { what: "two deliveries" });
        const events = receiver.received.map((r) => JSON.parse(r.body)).map((b) => [b.job.id, b.event]);
        expect(events).toEqual(expect.arrayContaining([[failed.id, "job.failed"], [held.id, "job.canceled"]]));
      } finally {
        receiver.server.close();
      }
    });

    it("sends no delivery whose job was replayed, or ended again, while it waited: each POST's event agrees with its job", async () => {
      let up = false;
      const receiver = await startReceiver(0, () => (up ? 204 : 500));
      try {
        const job = (await http(s.url, "POST", "/v1/jobs", { body: { type: "declared", webhook_url: receiver.url } })).body;
        await http(s.url, "DELETE", `/v1/jobs/${job.id}`);
        await waitFor(() => receiver.answered.includes(500), { what: "the first delivery, refused" });
        expect((await http(s.url, "POST", `/v1/jobs/${job.id}/retry`)).status).toBe(200);
        up = true;
        const first = await waitFor(async () => {
          const deliveries = (await http(s.url, "GET", "/v1/jobs?type=errand.webhook")).body.jobs;
          return deliveries.find((d: any) => d.payload.job_id === job.id && d.state === "completed");
        }, { what: "the first delivery settled" });
        expect(first.result).toEqual({ status: null, superseded: { state: "pending", finished_at: null } });
        expect(receiver.answered).not.toContain(204);
        // Its next ending is announced by a delivery of its own, describing that ending.
        await http(s.url, "DELETE", `/v1/jobs/${job.id}`);
        await waitFor(() => receiver.answered.includes(204), { what: "the second ending's delivery" });
        for (const { body } of receiver.received) {
          const posted = JSON.parse(body);
          expect(posted.event).toBe(`job.${posted.job.state}`);
        }
        const delivered = JSON.parse(receiver.received.at(-1)!.body);
        const now = (await http(s.url, "GET", `/v1/jobs/${job.id}`)).body;
        expect(delivered.job).toMatchObject({ id: job.id, state: "canceled", finished_at: now.finished_at });
      } finally {
        receiver.server.close();
      }
    });

    it("refuses Errand's own job types, queues and idempotency keys to API clients", async () => {
      const forged = { job_id: "1", url: "http://127.0.0.1:9/x", state: "completed" };
      const refusals: [string, string, unknown, number, string][] = [
        ["POST", "/v1/jobs", { type: "errand.webhook", payload: forged }, 422, "type"],
        ["POST", "/v1/jobs", { type: "echo", queue: "errand.webhooks" }, 400, "queue"],
        ["POST", "/v1/jobs", { type: "echo", idempotency_key: "errand:schedule:nightly:2030-01-01T00:00:00.000Z" }, 400, "idempotency_key"],
        ["POST", "/v1/jobs", { type: "echo", idempotency_key: "errand.webhook:1:0" }, 400, "idempotency_key"],
        ["POST", "/v1/jobs/batch", { jobs: [{ type: "echo" }, { type: "errand.webhook", payload: forged }] }, 422, "jobs[1].type"],
        ["POST", "/v1/flows", { nodes: { a: { type: "errand.webhook", payload: forged } } }, 422, "nodes.a.type"],
        ["PUT", "/v1/schedules/forged", { cron: "* * * * *", type: "errand.webhook", payload: forged }, 422, "type"],
      ];
      const before = (await s.errand.listJobs({ limit: 1000 })).jobs.length;
      for (const [method, path, body, status, field] of refusals) {
        const res = await http(s.url, method, path, { body });
        expect(res.status, `${path} ${field}`).toBe(status);
        expect(res.body.error.field, path).toBe(field);
      }
      expect((await s.errand.listJobs({ limit: 1000 })).jobs).toHaveLength(before);
      expect(await s.errand.listSchedules()).toEqual([]);
    });

    it("refuses private, loopback and link-local targets not allowed by configuration, and bad URLs", async () => {
      const before = (await s.errand.listJobs({ limit: 1000 })).jobs.length;
      // (127.0.0.1 is allowed here by configuration, in whatever form.)
      const privateInIPv6 = [
        "http://[::ffff:10.0.0.1]/", // IPv4-mapped
        "http://[64:ff9b::a00:1]/", // NAT64 of 10.0.0.1
        "http://[2002:a9fe:a9fe::1]/", // 6to4 of 169.254.169.254
        "http://[::192.168.0.1]/", // IPv4-compatible
        "http://[64:ff9b:1::808:808]/", // NAT64 for local use
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", // Teredo
      ];
      for (const url of ["http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]:8080/", "http://localhost:9/", "http://localhost./", "http://api.localhost/", "http://192.168.0.1/", ...privateInIPv6]) {
        const res = await http(s.url, "POST", "/v1/jobs", { body: { type: "echo", webhook_url: url } });
        expect(res.status, url).toBe(400);
        expect(res.body.error).toMatchObject({ code: "webhook_target_refused", field: "webhook_url" });
      }
      for (const url of ["ftp://example.com/x", "not a url", "http://user:pw@example.com/"]) {
        const res = await http(s.url, "POST", "/v1/jobs", { body: { type: "echo", webhook_url: url } });
        expect(res.status, url).toBe(400);
        expect(res.body.error.field).toBe("webhook_url");
      }
      expect((await s.errand.listJobs({ limit: 1000 })).jobs).toHaveLength(before);
    });

    it("refuses webhook_url when the server has no webhook secret", async () => {
      const plain = await startServer(factory, { worker: false });
      try {
        const res = await http(plain.url, "POST", "/v1/jobs", { body: { type: "echo", webhook_url: "https://example.com/hook" } });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: "webhooks_disabled", field: "webhook_url" });
      } finally {
        await plain.close();
      }
    });

    it("a receiver that never answers holds at most 3 of the delivery slots: another receiver's delivery goes out meanwhile", async () => {
      const hanging = createServer(() => {}); // accepts every request, answers none
      await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
      const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`;
      let requests = 0;
      hanging.on("request", () => requests++);
      const healthy = await startReceiver(0);
      try {
        // More than the delivery worker's 10 slots.
        await http(s.url, "POST", "/v1/jobs/batch", { body: { jobs: Array.from({ length: 12 }, () => ({ type: "echo", webhook_url: hangingUrl })) } });
        await waitFor(() => requests === 3, { what: "three deliveries to the silent receiver under way" });
        await http(s.url, "POST", "/v1/jobs", { body: { type: "echo", webhook_url: healthy.url } });
        await waitFor(() => healthy.answered.includes(204), { what: "the other receiver's delivery" });
        // Delivered while the silent receiver still held its three (none had timed out, or more would have gone to it).
        expect(requests).toBe(3);
      } finally {
        hanging.closeAllConnections();
        hanging.close();
        healthy.server.close();
      }
    });
  });
}
