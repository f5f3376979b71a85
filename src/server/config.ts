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
  /** Largest request body, bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** How often the server re-reads the jobs of its open SSE streams from the store (one read for all of them), ms. Default 200. */
  eventsPollIntervalMs?: number;
  webhooks?: WebhookConfig;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
