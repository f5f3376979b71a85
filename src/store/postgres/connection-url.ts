import { userInfo } from "node:os";
import { ValidationError } from "../../core/errors.js";
import { printableDatabase } from "../printable-database.js";
import { DEFAULT_SCHEMA } from "./schema-name.js";

/** The most connections `?pool_size=` may ask for: far above what one process can use well. */
const MAX_POOL_SIZE = 1000;

/**
 * Splits Errand's own parameters off a `postgres://` URL — `?schema=` and `?pool_size=` (the
 * most connections the process's store opens at once, the listener's aside) — and gives the
 * rest to pg as is. An explicit `schema` option wins over the URL's.
 */
export function parsePostgresUrl(url: string, schema?: string): { connectionString: string; schema: string; maxConnections?: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError("database", `"${printableDatabase(url)}" is not a valid postgres:// URL`);
  }
  const named = parsed.searchParams.getAll("schema");
  if (named.length > 1) throw new ValidationError("schema", `"${printableDatabase(url)}" names ?schema= ${named.length} times; give it once`);
  const fromUrl = named[0] ?? null;
  parsed.searchParams.delete("schema");
  const poolSize = poolSizeOf(parsed.searchParams.getAll("pool_size"));
  parsed.searchParams.delete("pool_size");
  refuseMisspelledParameters(parsed.searchParams);
  // libpq (psql) falls back to the OS user; pg only to $USER, which services often lack.
  if (parsed.username === "" && !process.env.PGUSER && !process.env.USER) parsed.username = userInfo().username;
  return {
    connectionString: parsed.toString(),
    schema: schema ?? fromUrl ?? DEFAULT_SCHEMA,
    ...(poolSize === undefined ? {} : { maxConnections: poolSize }),
  };
}

/**
 * The rest goes to pg, which ignores what it does not know: a misspelt `?poolsize=` would leave
 * the pool at its default without a word. Other unknown names pass (libpq's own, say, in a URL
 * psql shares), but not one that is Errand's own spelt another way.
 */
function refuseMisspelledParameters(params: URLSearchParams): void {
  for (const name of params.keys()) {
    const meant = OWN_PARAMETERS.find((own) => squeezed(own) === squeezed(name));
    if (meant !== undefined) throw new ValidationError("database", `the URL's ?${name}= is not a parameter; did you mean ?${meant}=`);
  }
}

const OWN_PARAMETERS = ["schema", "pool_size"];
const squeezed = (name: string) => name.toLowerCase().replace(/[-_\s]/g, "");

function poolSizeOf(given: string[]): number | undefined {
  if (given.length === 0) return undefined;
  const size = Number(given[0]);
  if (given.length > 1 || !/^\d+$/.test(given[0]!) || size < 1 || size > MAX_POOL_SIZE)
    throw new ValidationError("pool_size", `must be given once, as an integer from 1 to ${MAX_POOL_SIZE}`);
  return size;
}

/** host:port/database, for error messages: never the password. */
export function describeServer(connectionString: string): string {
  const url = new URL(connectionString);
  return `${url.hostname || "localhost"}:${url.port || "5432"}${url.pathname}`;
}
