import { errorCodes, type FastifyRequest } from "fastify";
import secureJson from "secure-json-parse";
import { fieldPath } from "../core/errors.js";
import { HttpError } from "./http-error.js";

/**
 * Parses a JSON body as Fastify's own parser does, refusing a `__proto__` key or a
 * `constructor.prototype` anywhere in it (keys that pollute objects a body is merged into),
 * but saying so, naming the key: Fastify's parser calls such a body "not valid JSON", which it is.
 */
export function parseJsonBody(_request: FastifyRequest, body: string, done: (error: Error | null, parsed?: unknown) => void): void {
  if (body.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY());
  let parsed: unknown;
  try {
    parsed = secureJson.parse(body, undefined, { protoAction: "error", constructorAction: "error" });
  } catch {
    return done(forbiddenKeyError(body) ?? new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY());
  }
  done(null, parsed);
}

/** The refusal of a body that is valid JSON but holds a forbidden key; null if it is not valid JSON. */
function forbiddenKeyError(body: string): HttpError | null {
  let plain: unknown;
  try {
    plain = JSON.parse(body);
  } catch {
    return null;
  }
  let field = "body";
  try {
    field = forbiddenKeyPath(plain, "") ?? field;
  } catch {
    // Nested past the call stack: the body is named as a whole.
  }
  return new HttpError(
    400,
    "forbidden_key",
    `${field} is a key this server refuses ("__proto__", or "prototype" inside "constructor"): such keys can change how JavaScript objects behave; rename it`,
    field,
  );
}

/** Where the first `__proto__` key, or `prototype` key of a `constructor` object, lies in `value`; null if none. */
function forbiddenKeyPath(value: unknown, path: string): string | null {
  if (typeof value !== "object" || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const here = fieldPath(path, key);
    if (key === "__proto__") return here;
    if (key === "constructor" && typeof child === "object" && child !== null && Object.hasOwn(child, "prototype")) return fieldPath(here, "prototype");
    const below = forbiddenKeyPath(child, here);
    if (below !== null) return below;
  }
  return null;
}
