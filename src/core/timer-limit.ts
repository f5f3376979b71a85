import { ValidationError } from "./errors.js";

/** The longest delay setTimeout honours, ms; a longer one fires after 1 ms, and a periodic task then spins. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration that ends up in a setTimeout, which fires at once past its limit; throws ValidationError naming `field`. */
export function timerMs(value: unknown, field: string, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS)
    throw new ValidationError(field, `must be an integer from ${min} to ${MAX_TIMER_MS} ms`);
  return value;
}
