import { ValidationError } from "../core/errors.js";
import type { Scope } from "./auth.js";

/** A bearer token as configured: the SHA-256 hex of the token (never the token), and its scopes. */
export interface ConfiguredToken {
  sha256: string;
  scopes: Scope[];
}

export interface WebhookConfig {
  /** HMAC-SHA256 key for the signature header. Without it, `webhook_url` is refused at enqueue. */
  secret: string;
  /**
   * Addresses allowed although private, loopback or link-local: IPs or CIDRs
   * (`127.0.0.1`, `10.0.0.0/8`, `::1`). Everything else in those ranges is refused.
   */
  allowedPrivateAddresses?: string[];
  /** Per-request timeout, ms. Default 10 000. */
  timeoutMs?: number;
  /** Delivery attempts before the delivery job is dead-lettered. Default 10. */
  maxAttempts?: number;
  /** Delay after the first failed delivery, ms; doubles per attempt up to 1 h. Default 5 000. */
  retryBaseMs?: number;
  /** How often ended jobs are looked for, ms. Default 250. */
  pollIntervalMs?: number;
}

export interface ServerConfig {
  /** Without tokens every /v1 route is open, so the server refuses any host but loopback. */
  tokens: ConfiguredToken[];
  /** Largest request body, bytes: 1 to MAX_BODY_LIMIT (64 MiB). Default 1 MiB. */
  bodyLimit?: number;
  /** How often the server re-reads the jobs of its open SSE streams from the store (one read for all of them), ms. Default 200. */
  eventsPollIntervalMs?: number;
  /** Most job event streams (SSE) open at once; one more is answered 503 until one closes. Default 1 000. */
  maxEventStreams?: number;
  webhooks?: WebhookConfig;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/**
 * The largest bodyLimit accepted. Fastify holds each request's whole body in memory, and
 * JSON.parse builds its objects there too, at several times the text's size, for every request
 * at once: a handful of concurrent 64 MiB bodies can already take gigabytes of heap.
 * Far above it, past V8's longest string (about 512 MiB), a body could not even be decoded, so
 * a larger limit would trade the clear 400 for a crash. A batch bigger than this goes better
 * as several requests.
 */
export const MAX_BODY_LIMIT = 64 * 1024 * 1024;
export const DEFAULT_MAX_EVENT_STREAMS = 1000;

/** The limits a server runs with: `config`'s, checked, or the defaults. Throws a ValidationError naming the option. */
export function resolveServerLimits(config: Pick<ServerConfig, "bodyLimit" | "maxEventStreams">): { bodyLimit: number; maxEventStreams: number } {
  const { bodyLimit = DEFAULT_BODY_LIMIT, maxEventStreams = DEFAULT_MAX_EVENT_STREAMS } = config;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1 || bodyLimit > MAX_BODY_LIMIT)
    throw new ValidationError("bodyLimit", `must be an integer from 1 to ${MAX_BODY_LIMIT} bytes (64 MiB)`);
  if (!Number.isInteger(maxEventStreams) || maxEventStreams < 1) throw new ValidationError("maxEventStreams", "must be a positive integer");
  return { bodyLimit, maxEventStreams };
}
