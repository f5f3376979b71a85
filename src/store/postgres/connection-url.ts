import { userInfo } from "node:os";
import { ValidationError } from "../../core/errors.js";
import { DEFAULT_SCHEMA } from "./schema-name.js";

/**
 * Splits Errand's own `?schema=` parameter off a `postgres://` URL; the rest goes to pg as is.
 * An explicit `schema` option wins over the URL's.
 */
export function parsePostgresUrl(url: string, schema?: string): { connectionString: string; schema: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError("database", `"${url}" is not a valid postgres:// URL`);
  }
  const named = parsed.searchParams.getAll("schema");
  if (named.length > 1) throw new ValidationError("schema", `"${url}" names ?schema= ${named.length} times; give it once`);
  const fromUrl = named[0] ?? null;
  parsed.searchParams.delete("schema");
  // libpq (psql) falls back to the OS user; pg only to $USER, which services often lack.
  if (parsed.username === "" && !process.env.PGUSER && !process.env.USER) parsed.username = userInfo().username;
  return { connectionString: parsed.toString(), schema: schema ?? fromUrl ?? DEFAULT_SCHEMA };
}

/** host:port/database, for error messages: never the password. */
export function describeServer(connectionString: string): string {
  const url = new URL(connectionString);
  return `${url.hostname || "localhost"}:${url.port || "5432"}${url.pathname}`;
}
