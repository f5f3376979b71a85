import { spawn, type ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { http } from "../helpers/http-server.js";
import { readEventStream } from "../helpers/sse-client.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const HANDLERS = new URL("../fixtures/server-handlers.mjs", import.meta.url).pathname;
const run = promisify(execFile);

interface CliProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();

function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  started.add(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function waitCommand(id: string, database: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, "wait", id, "--json", "--interval-ms", "50", "--database", database]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

/**
 * Real processes: `errand serve --no-worker` takes jobs over HTTP, `errand work` runs them in
 * another process, and the server's SSE stream and `errand wait` follow them through the store.
 */
export function describeServerProcesses(factory: StoreFactory): void {
  describe(`errand serve with a separate worker process: ${factory.name}`, () => {
    afterEach(() => {
      for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      started.clear();
    });

    it("a job enqueued over HTTP is worked by another process, streamed over SSE, and its request id reaches the worker's logs", async () => {
      const database = await factory.url();
      const env = { ERRAND_DATABASE_URL: database, ERRAND_LOG_LEVEL: "info" };
      const server = startCli(["serve", "--no-worker", "--types", "report,doomed", "--port", "0"], env);
      const url = await waitFor(() => /listening on (http:\S+)/.exec(server.stderr())?.[1], { what: "server listening" });
      expect(server.stderr()).not.toMatch(/Warning/); // e.g. a dependency's deprecation notice, printed to every user
      const worker = startCli(["work", "--handlers", HANDLERS, "--concurrency", "2"], env);
      await waitFor(() => worker.stderr().includes("SIGTERM drains"), { what: "worker started" });

      const enqueued = await http(url, "POST", "/v1/jobs", { body: { type: "report", payload: { steps: 4, ms: 150 } }, headers: { "x-request-id": "trace-4242" } });
      expect(enqueued.status).toBe(202);
      const id = enqueued.body.id as string;
      const { events } = await readEventStream(`${url}/v1/jobs/${id}/events`);
      expect(events[0]!.event).toBe("state");
      expect(events.filter((e) => e.event === "progress").length).toBeGreaterThanOrEqual(2);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ event: "state", data: { state: "completed", correlation_id: "trace-4242" } });
      expect(last.data.result.pid).toBe(worker.child.pid); // worked by the other process

      const waited = await waitCommand(id, database);
      expect(waited.code).toBe(0);
      expect(JSON.parse(waited.stdout)).toMatchObject({ id, state: "completed" });

      const jobLines = worker.stderr().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((l) => l.jobId === id);
      expect(jobLines.map((l) => l.msg)).toEqual(expect.arrayContaining(["job started", "job completed"]));
      for (const line of jobLines) expect(line).toMatchObject({ correlationId: "trace-4242", type: "report", queue: "default", attempt: 1 });

      const doomed = (await http(url, "POST", "/v1/jobs", { body: { type: "doomed" } })).body;
      const waitedFailed = await waitCommand(doomed.id, database);
      expect(waitedFailed.code).toBe(1);
      expect(JSON.parse(waitedFailed.stdout).state).toBe("failed");

      server.child.kill("SIGTERM");
      worker.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(await worker.exited).toBe(0);
    });

    it("SIGTERM ends open event streams and the server exits 0", async () => {
      const database = await factory.url();
      const server = startCli(["serve", "--no-worker", "--types", "report", "--port", "0"], { ERRAND_DATABASE_URL: database });
      const url = await waitFor(() => /listening on (http:\S+)/.exec(server.stderr())?.[1], { what: "server listening" });
      const { body: job } = await http(url, "POST", "/v1/jobs", { body: { type: "report", payload: { steps: 1, ms: 1 } } });
      const stream = readEventStream(`${url}/v1/jobs/${job.id}/events`);
      await new Promise((r) => setTimeout(r, 200)); // the stream is open and waiting on a job nobody works
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect((await stream).events).toEqual([{ event: "state", data: expect.objectContaining({ state: "pending" }) }]);
    });
  });
}
