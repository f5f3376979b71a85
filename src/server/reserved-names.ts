import { HttpError } from "./http-error.js";

/**
 * Errand's own jobs use names beginning "errand." or "errand:": the webhook delivery type and
 * queue, cron ticks' idempotency keys (`errand:schedule:<name>:<tick>`), deliveries' keys. An
 * API client free to use them could enqueue a signed delivery of any job to any URL, or take a
 * future tick's key first so that the tick enqueues nothing. The library's callers are the
 * application itself, so only the API refuses them.
 */
const RESERVED = /^errand[.:]/;

export function isReservedName(name: string): boolean {
  return RESERVED.test(name);
}

/** Throws the API's answer if a client names an Errand-internal type, queue or idempotency key. */
export function refuseReservedNames(item: { type: string; queue?: string; idempotency_key?: string }, fieldOf: (name: string) => string): void {
  if (RESERVED.test(item.type))
    throw new HttpError(422, "unknown_type", `job type "${item.type}" is Errand's own; the API does not enqueue it`, fieldOf("type"));
  if (item.queue !== undefined && RESERVED.test(item.queue))
    throw new HttpError(400, "invalid_input", `${fieldOf("queue")}: names beginning "errand." or "errand:" are Errand's own`, fieldOf("queue"));
  if (item.idempotency_key !== undefined && RESERVED.test(item.idempotency_key))
    throw new HttpError(
      400,
      "invalid_input",
      `${fieldOf("idempotency_key")}: keys beginning "errand." or "errand:" are Errand's own (cron ticks, webhook deliveries)`,
      fieldOf("idempotency_key"),
    );
}
