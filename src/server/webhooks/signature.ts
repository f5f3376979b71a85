import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-errand-signature";
export const TIMESTAMP_HEADER = "x-errand-timestamp";

/**
 * `v1=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the shared secret. Signing the
 * timestamp with the body lets receivers refuse replays of an old delivery.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return "v1=" + createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** What a receiver does (also shown in the README): recompute and compare in constant time. */
export function verifyWebhook(
  secret: string,
  headers: { signature: string; timestamp: string },
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
