import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { ConfiguredToken } from "./config.js";
import { HttpError } from "./http-error.js";

/** A 401 says how to authenticate (RFC 9110 §11.6.1): with a bearer token (RFC 6750). */
const BEARER_CHALLENGE = { "www-authenticate": 'Bearer realm="errand"' } as const;

export const SCOPES = ["jobs:write", "jobs:read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** What an Authorization header can carry as a token: printable ASCII without spaces, 1–512 characters. */
const TOKEN = "[\\x21-\\x7e]{1,512}";
const WHOLE_TOKEN = new RegExp(`^${TOKEN}$`);
// The scheme's case does not matter (RFC 9110, 11.1); the token's does.
// One or more spaces after it (RFC 9110's 1*SP).
const BEARER_HEADER = new RegExp(`^bearer +(${TOKEN})$`, "i");

/** Throws unless `token` could be sent as a bearer token (see TOKEN): hashing another would configure a token no request can present. */
export function checkToken(token: string): string {
  if (!WHOLE_TOKEN.test(token)) throw new Error("a token is 1–512 printable ASCII characters without spaces");
  return token;
}

export function sha256Hex(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Parses a comma-separated scope list (items trimmed, empty ones skipped); throws naming a bad scope, or on no scope at all. */
export function parseScopes(text: string): Scope[] {
  const scopes = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0) throw new Error(`no scope given; use one or more of ${SCOPES.join(", ")}`);
  for (const scope of scopes)
    if (!(SCOPES as readonly string[]).includes(scope)) throw new Error(`unknown scope "${scope}"; use ${SCOPES.join(", ")}`);
  return scopes as Scope[];
}

/**
 * Parses the token list of ERRAND_API_TOKENS / --tokens: entries separated by `;` or
 * whitespace, each `<sha256-hex>=<scope>[,<scope>…]` (spaces around the = and commas allowed). Only
 * hashes are configured, so a leaked config file does not leak a usable token. A hash listed
 * twice is refused: which entry's scopes would count is nothing a reader of the list can tell.
 */
export function parseTokenList(text: string): ConfiguredToken[] {
  const seen = new Set<string>();
  return text
    .replace(/\s*([,=])\s*/g, "$1")
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((entry) => {
      const [hash, scopeList, ...rest] = entry.split("=");
      if (rest.length > 0 || !hash || !/^[0-9a-f]{64}$/i.test(hash) || !scopeList)
        throw new Error(`token entry "${entry.slice(0, 16)}…" must be <sha256-hex>=<scope>,<scope> (64 hex digits)`);
      const sha256 = hash.toLowerCase();
      if (seen.has(sha256)) throw new Error(`token ${sha256.slice(0, 16)}… is listed twice; give it one entry with all its scopes`);
      seen.add(sha256);
      return { sha256, scopes: parseScopes(scopeList) };
    });
}

/** Checks a request's bearer token against the configured hashes; `admin` grants every scope. */
export class TokenAuthenticator {
  private readonly tokens: { digest: Buffer; scopes: Set<Scope> }[];

  constructor(tokens: ConfiguredToken[]) {
    this.tokens = tokens.map((t) => ({ digest: Buffer.from(t.sha256, "hex"), scopes: new Set(t.scopes) }));
  }

  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  authorize(request: FastifyRequest, needed: Scope): void {
    if (!this.enabled) return;
    const header = request.headers.authorization;
    const match = typeof header === "string" ? BEARER_HEADER.exec(header) : null;
    if (!match) throw new HttpError(401, "unauthorized", "send Authorization: Bearer <token>", undefined, BEARER_CHALLENGE);
    const digest = Buffer.from(sha256Hex(match[1]!), "hex");
    // Compare against every token in constant time, so timing tells nothing about which matched.
    let scopes: Set<Scope> | null = null;
    for (const token of this.tokens) if (timingSafeEqual(token.digest, digest)) scopes = token.scopes;
    if (scopes === null) throw new HttpError(401, "unauthorized", "unknown token", undefined, { "www-authenticate": 'Bearer realm="errand", error="invalid_token"' });
    if (!scopes.has(needed) && !scopes.has("admin"))
      throw new HttpError(403, "forbidden", `this token lacks the "${needed}" scope`);
  }
}
