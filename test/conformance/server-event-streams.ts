import { get, type IncomingMessage } from "node:http";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { JobId } from "../../src/core/job.js";
import type { Store } from "../../src/store/store.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import { readEventStream } from "../helpers/sse-client.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const POLL_MS = 25;
const STREAMS = 50;
const JOBS = 5;

/** Every job read the server makes, counted on the real store it runs on (the calls go through unchanged). */
interface JobReads {
  single: JobId[];
  batches: { ids: JobId[]; at: number }[];
}

function countingJobReads(factory: StoreFactory): { factory: StoreFactory; reads: JobReads } {
  const reads: JobReads = { single: [], batches: [] };
  const open = async (url: string): Promise<Store> => {
    const store = await factory.open(url);
    const getJob = store.getJob.bind(store);
    const getJobs = store.getJobs.bind(store);
    store.getJob = (params) => (reads.single.push(params.id), getJob(params));
    store.getJobs = (params) => (reads.batches.push({ ids: [...params.ids], at: Date.now() }), getJobs(params));
    return store;
  };
  return { factory: { ...factory, open }, reads };
}

/** The store's load under many open event streams: it follows the jobs watched, not the viewers. */
export function describeServerEventStreams(base: StoreFactory): void {
  describe(`HTTP API event streams at scale: ${base.name}`, () => {
    let s: RunningServer | undefined;
    afterEach(async () => {
      await s?.close();
      s = undefined;
    });

    it(`${STREAMS} streams on ${JOBS} jobs: one store read per tick for all of them, each stream gets its own job to the end`, async () => {
      const { factory, reads } = countingJobReads(base);
      // No worker yet: every stream is open and watching before any job moves.
      s = await startServer(factory, { worker: false, eventsPollIntervalMs: POLL_MS });
      const jobIds: string[] = [];
      for (let i = 0; i < JOBS; i++)
        jobIds.push((await http<{ id: string }>(s.url, "POST", "/v1/jobs", { body: { type: "steps", payload: { steps: 4, ms: 60 } } })).body.id);
      const streamJobs = Array.from({ length: STREAMS }, (_, i) => jobIds[i % JOBS]!);
      const streams = streamJobs.map((id) => readEventStream(`${s!.url}/v1/jobs/${id}/events`));
      await waitFor(() => reads.single.length === STREAMS, { what: "every stream's first read" });
      const ticksBefore = reads.batches.length;
      await waitFor(() => reads.batches.length >= ticksBefore + 2, { what: "a tick with every stream watching" });

      const firstTick = reads.batches.length - 1;
      s.errand.work({ pollIntervalMs: 20, concurrency: JOBS });
      const results = await Promise.all(streams);

      results.forEach(({ status, events }, i) => {
        const id = streamJobs[i]!;
        expect(status).toBe(200);
        expect(events[0]).toMatchObject({ event: "state", data: { id, state: "pending" } });
        expect(events.every((e) => e.data.id === id)).toBe(true);
        const progress = events.filter((e) => e.event === "progress").map((e) => e.data.progress);
        expect(progress.length).toBeGreaterThanOrEqual(1);
        expect([...progress].sort((a, b) => a - b)).toEqual(progress);
        expect(events.at(-1)).toMatchObject({ event: "state", data: { id, state: "completed", result: { done: 4 } } });
      });

      // Once open, no stream read its job alone: each tick read every watched job at once, each id once.
      expect(reads.single).toHaveLength(STREAMS);
      const ticks = reads.batches.slice(firstTick);
      for (const { ids } of ticks) {
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBeLessThanOrEqual(JOBS);
        expect(ids.every((id) => jobIds.includes(id))).toBe(true);
      }
      expect(ticks[0]!.ids.length).toBe(JOBS);
      // The reads follow the clock, not the streams: no more than one per poll interval (with
      // room for timer jitter). A read per stream per tick would be STREAMS times as many.
      const elapsed = ticks.at(-1)!.at - ticks[0]!.at;
      expect(ticks.length).toBeLessThanOrEqual(elapsed / (POLL_MS * 0.8) + 2);
    });

    it("reads nothing once no stream is watching: the client that went away stopped the timer", async () => {
      const { factory, reads } = countingJobReads(base);
      s = await startServer(factory, { worker: false, eventsPollIntervalMs: POLL_MS });
      const { body: job } = await http<{ id: string }>(s.url, "POST", "/v1/jobs", { body: { type: "declared" } });
      // node:http, whose destroy() closes the socket at once, as a browser tab closing does.
      const viewer = await new Promise<IncomingMessage>((resolve) => get(`${s!.url}/v1/jobs/${job.id}/events`, resolve));
      expect(viewer.statusCode).toBe(200);
      await waitFor(() => reads.batches.length >= 2, { what: "the watcher reading the job" });
      expect(reads.batches.every(({ ids }) => ids.length === 1 && ids[0] === job.id)).toBe(true);
      viewer.destroy();
      // The disconnect is seen at once (or at the latest on the next tick); then no more reads.
      await waitFor(async () => {
        const seen = reads.batches.length;
        await new Promise((r) => setTimeout(r, POLL_MS * 4));
        return reads.batches.length === seen;
      }, { what: "the reads to stop" });
      const after = reads.batches.length;
      await new Promise((r) => setTimeout(r, POLL_MS * 8)); // a negative: nothing may happen in this time
      expect(reads.batches.length).toBe(after);
    });

    it("keeps at most maxEventStreams open: one more is a 503 with Retry-After, and a stream that closes frees its place", async () => {
      // The refusal is expected under load, not a fault: logged as a warning, never as an error.
      const logged: { level: number; msg: string; code?: string }[] = [];
      const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
      s = await startServer(base, { worker: false, maxEventStreams: 2, logger });
      // `declared` has no handler here: its stream stays open until the viewer leaves.
      const { body: job } = await http<{ id: string }>(s.url, "POST", "/v1/jobs", { body: { type: "declared" } });
      const events = `${s.url}/v1/jobs/${job.id}/events`;
      // A request that opens no stream (the job does not exist) gives its place back.
      expect((await http(s.url, "GET", "/v1/jobs/999999/events")).status).toBe(404);
      const open = () => new Promise<IncomingMessage>((resolve) => get(events, resolve));
      const viewers = [await open(), await open()];
      expect(viewers.map((v) => v.statusCode)).toEqual([200, 200]);

      const refused = await http(s.url, "GET", `/v1/jobs/${job.id}/events`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
      expect(refused.body).toEqual({
        error: {
          code: "too_many_event_streams",
          message: "this server already has 2 event streams open, the most it keeps; try again after 5 seconds, or read the job with GET /v1/jobs/:id",
        },
      });
      expect(logged.filter((r) => r.msg === "request refused")).toEqual([expect.objectContaining({ level: pino.levels.values.warn, code: "too_many_event_streams" })]);
      expect(logged.filter((r) => r.level >= pino.levels.values.error!)).toEqual([]);

      viewers[0]!.destroy(); // a viewer leaves: its place frees as soon as the server sees the close
      const next = await waitFor(async () => {
        const viewer = await open();
        if (viewer.statusCode === 200) return viewer;
        viewer.resume(); // read the 503's body so its socket is freed
        return null;
      }, { what: "the freed place to take a new stream" });
      viewers.push(next);
      expect((await http(s.url, "GET", `/v1/jobs/${job.id}/events`)).status).toBe(503); // still 2 at most
      for (const viewer of viewers) viewer.destroy();
    });

    it("answers a HEAD at once with the stream's headers, holding none of the places kept for streams", async () => {
      s = await startServer(base, { worker: false, maxEventStreams: 1 });
      const { body: job } = await http<{ id: string }>(s.url, "POST", "/v1/jobs", { body: { type: "declared" } });
      // Three HEADs of a job that will not end soon, each answered (fetch resolves on headers).
      for (let i = 0; i < 3; i++) {
        const head = await fetch(`${s.url}/v1/jobs/${job.id}/events`, { method: "HEAD", signal: AbortSignal.timeout(5_000) });
        expect([head.status, head.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
      }
      expect((await fetch(`${s.url}/v1/jobs/999999/events`, { method: "HEAD" })).status).toBe(404);
      // The one place is still free for a viewer.
      const viewer = await new Promise<IncomingMessage>((resolve) => get(`${s!.url}/v1/jobs/${job.id}/events`, resolve));
      expect(viewer.statusCode).toBe(200);
      viewer.destroy();
    });
  });
}
