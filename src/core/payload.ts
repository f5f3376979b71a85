import { ValidationError } from "./errors.js";

export interface PayloadLimits {
  /** Largest payload, as UTF-8 JSON, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = { maxBytes: 1024 * 1024, maxDepth: 32 };

/**
 * Checks that `value` survives a JSON round trip unchanged and is within limits, and returns
 * its JSON text. Rejecting (rather than silently dropping) undefined, functions, Dates, Maps,
 * NaN and cycles means a handler receives exactly what the producer passed.
 */
export function serializePayload(
  value: unknown,
  limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
  field = "payload",
): string {
  // The common case is checked without building a path per value; anything it does not pass
  // is checked again by checkJsonValue, which names the offending path (or passes it after all).
  if (!isPlainJson(value, 0, limits.maxDepth)) checkJsonValue(value, field, 0, limits.maxDepth, new Set());
  const text = JSON.stringify(value);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most payloads need no counting.
  if (text.length * 3 <= limits.maxBytes) return text;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxBytes)
    throw new ValidationError(field, `is ${bytes} bytes as JSON; the limit is ${limits.maxBytes}`);
  return text;
}

/**
 * Whether `value` is JSON of plain objects and arrays, at most `maxDepth` deep. A cycle is
 * refused by the depth limit, so no set of ancestors is kept.
 */
function isPlainJson(value: unknown, depth: number, maxDepth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= maxDepth) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1, maxDepth)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    if (!isPlainJson((value as Record<string, unknown>)[keys[i]!], depth + 1, maxDepth)) return false;
  }
  return true;
}

function checkJsonValue(
  value: unknown,
  path: string,
  depth: number,
  maxDepth: number,
  ancestors: Set<object>,
): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new ValidationError(path, `${value} is not valid JSON`);
      return;
    case "object":
      break;
    default:
      throw new ValidationError(path, `a value of type ${typeof value} is not JSON-serialisable`);
  }
  if (value === null) return;
  if (depth >= maxDepth) throw new ValidationError(path, `nests deeper than ${maxDepth} levels`);
  if (ancestors.has(value)) throw new ValidationError(path, "contains a cycle");
  ancestors.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, `${path}[${i}]`, depth + 1, maxDepth, ancestors));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as object).constructor?.name ?? "non-plain object";
      throw new ValidationError(path, `a ${kind} is not JSON-serialisable; pass plain objects`);
    }
    for (const [key, item] of Object.entries(value)) {
      checkJsonValue(item, `${path}.${key}`, depth + 1, maxDepth, ancestors);
    }
  }
  ancestors.delete(value);
}
