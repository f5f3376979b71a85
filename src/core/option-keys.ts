import { ValidationError } from "./errors.js";

/**
 * Refuses an options object with a key `known` does not list. In JavaScript a misspelt option
 * (`dealyMs`) would otherwise leave the default in force without a word; the HTTP API refuses
 * unknown fields for the same reason. `prefix` places the key in the error's field
 * (`retention.` → `retention.completd`).
 */
export function rejectUnknownKeys(value: object, known: ReadonlySet<string>, prefix = ""): void {
  for (const key in value) {
    if (!known.has(key)) throw new ValidationError(`${prefix}${key}`, `is not an option; known: ${[...known].join(", ")}`);
  }
}

/** `value` as an options object (undefined: none given); throws ValidationError naming `field` for anything else. */
export function optionsObject<T extends object>(value: T | undefined, field: string): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ValidationError(field, "must be an object");
  return value;
}

/**
 * `value` as an options object with only keys `known` lists (undefined: none given); throws a
 * ValidationError naming `field` if it is no object, or the key it does not know. A top-level
 * call's keys are named as they are (`dealyMs`); a nested object's under it (`backoff.base`).
 */
export function knownOptions<T extends object>(value: T | undefined, known: ReadonlySet<string>, field = "options"): Partial<T> {
  const options = optionsObject(value, field);
  rejectUnknownKeys(options, known, field === "options" ? "" : `${field}.`);
  return options;
}

/** `options` without its keys set to undefined: spread over defaults, `{ maxMs: undefined }` then keeps the default, as a key left out does. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  const defined: Partial<T> = {};
  for (const key in options) if (options[key] !== undefined) defined[key] = options[key];
  return defined;
}
