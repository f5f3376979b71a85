import { ValidationError } from "../core/errors.js";
import type { EnqueueOptions } from "../core/enqueue-options.js";

/**
 * Flow nodes and batch jobs are always new rows written in the flow's or batch's own
 * transaction: an idempotency key (which may name an existing job outside it) or a caller's
 * transaction cannot apply to them.
 */
export function refuseJoinedOptions(options: EnqueueOptions | undefined, prefix: string, what: string): void {
  if (options === undefined || options === null) return;
  if (options.idempotencyKey !== undefined)
    throw new ValidationError(`${prefix}idempotencyKey`, `is not supported on ${what}`);
  if (options.tx !== undefined) throw new ValidationError(`${prefix}tx`, `is not supported on ${what}`);
}
