import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { PermanentError, SnoozeJob } from "../../core/errors.js";
import type { JobState } from "../../core/states.js";
import type { Errand } from "../../errand.js";
import type { JobDefinition } from "../../client/job-definition.js";
import type { WebhookConfig } from "../config.js";
import { jobToJson } from "../wire-format.js";
import { AddressPolicy, WebhookAddressRefused } from "./address-policy.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from "./signature.js";

/** Deliveries are ordinary durable jobs of this type, so they retry, dead-letter and show in the API. */
export const WEBHOOK_JOB_TYPE = "errand.webhook";
export const WEBHOOK_QUEUE = "errand.webhooks";

/**
 * Deliveries to one host (host:port) under way at once in this process. The delivery worker's
 * slots are shared by every receiver: without a cap, a receiver that accepts and never answers
 * held them all for its timeout each, and every other receiver waited (40 s behind 40 such
 * deliveries). Beyond the cap a delivery is snoozed, its attempt not used, freeing its slot.
 */
const PER_HOST = 3;
/** How long a delivery waits for its host's turn: about one answer's time, spread so waiting ones do not come back together. */
const HOST_BUSY_SNOOZE_MS = 1_000;

export interface WebhookDeliveryPayload {
  job_id: string;
  url: string;
  /** The state the job ended in when the delivery was enqueued. */
  state: JobState;
  /** When it ended so; absent from deliveries enqueued before this field existed. */
  finished_at?: string | null;
}

export interface WebhookDeliveryResult {
  /** The receiver's answer; null when nothing was sent (superseded). */
  status: number | null;
  /**
   * Set when the job had been replayed, or had ended again, before this delivery went out. The
   * body is the job as it is at sending time, so it would have described another ending than
   * the event's; nothing is sent, and the newer ending has its own delivery.
   */
  superseded?: { state: JobState; finished_at: string | null };
}

/** Defines the delivery job type on `errand`: a signed POST of the ended job to its webhook URL. */
export function defineWebhookDelivery(errand: Errand, config: WebhookConfig): JobDefinition<WebhookDeliveryPayload, WebhookDeliveryResult> {
  const policy = new AddressPolicy(config.allowedPrivateAddresses);
  const timeoutMs = config.timeoutMs ?? 10_000;
  const underWay = new Map<string, number>();
  return errand.define(WEBHOOK_JOB_TYPE, {
    queue: WEBHOOK_QUEUE,
    maxAttempts: config.maxAttempts ?? 10,
    timeoutMs: timeoutMs + 5_000,
    backoff: { baseMs: config.retryBaseMs ?? 5_000, maxMs: 3_600_000, jitter: 0.3 },
    handler: async (delivery: WebhookDeliveryPayload, ctx) => {
      const job = await errand.getJob(delivery.job_id);
      if (job === null) throw new PermanentError(`job ${delivery.job_id} no longer exists`);
      const finishedAt = job.finishedAt?.toISOString() ?? null;
      if (job.state !== delivery.state || (delivery.finished_at !== undefined && delivery.finished_at !== finishedAt))
        return { status: null, superseded: { state: job.state, finished_at: finishedAt } };
      const body = JSON.stringify({ event: `job.${delivery.state}`, job: jobToJson(job) });
      const timestamp = Math.floor(Date.now() / 1000);
      const url = new URL(delivery.url);
      let target: { address: string; family: number };
      try {
        target = await policy.resolve(url.hostname);
      } catch (error) {
        // A refused address will not become acceptable by retrying.
        if (error instanceof WebhookAddressRefused) throw new PermanentError(error.message);
        throw error;
      }
      const headers = {
        "content-type": "application/json",
        "user-agent": "errand-webhooks",
        [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body),
        [TIMESTAMP_HEADER]: String(timestamp),
        "x-errand-delivery": ctx.job.id,
      };
      const host = url.host;
      const others = underWay.get(host) ?? 0;
      if (others >= PER_HOST) throw new SnoozeJob(HOST_BUSY_SNOOZE_MS + Math.floor(Math.random() * HOST_BUSY_SNOOZE_MS));
      underWay.set(host, others + 1);
      let status: number;
      try {
        status = await post(url, target, headers, body, timeoutMs, ctx.signal);
      } finally {
        const left = underWay.get(host)! - 1;
        if (left === 0) underWay.delete(host);
        else underWay.set(host, left);
      }
      if (status < 200 || status >= 300) throw new Error(`webhook ${url.origin} answered ${status}`);
      return { status };
    },
  });
}

/** POSTs to the already-checked address, keeping the URL's host name for Host and TLS. */
function post(
  url: URL,
  target: { address: string; family: number },
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        method: "POST",
        host: target.address,
        family: target.family,
        port: url.port || (url.protocol === "https:" ? 443 : 80),
        path: url.pathname + url.search,
        servername: url.hostname.replace(/^\[|\]$/g, ""),
        headers: { ...headers, host: url.host, "content-length": String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
        signal,
      },
      (res) => {
        res.resume(); // the receiver's body is not needed; drain it so the socket is freed
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`webhook ${url.origin} did not answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
