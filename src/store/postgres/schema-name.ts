import { ValidationError } from "../../core/errors.js";

/** A PostgreSQL schema Errand's tables live in, checked once and quoted once. */
export interface SchemaName {
  readonly name: string;
  /** The quoted identifier that replaces `{{schema}}` in every .sql file. */
  readonly quoted: string;
  /** The LISTEN/NOTIFY channel new jobs are announced on (one per schema). */
  readonly channel: string;
  /** The channel the cancels of running jobs are announced on, so their workers stop them at once. */
  readonly cancelChannel: string;
}

// Lower case only, so the quoted and unquoted spellings name the same schema; short enough
// that the channel name stays under PostgreSQL's 63-byte identifier limit.
const VALID = /^[a-z_][a-z0-9_]{0,39}$/;

export const DEFAULT_SCHEMA = "errand";

export function schemaName(name: string): SchemaName {
  if (!VALID.test(name))
    throw new ValidationError("schema", `"${name}" is not a valid schema name: use 1–40 of a-z, 0-9 and _, not starting with a digit`);
  return { name, quoted: `"${name}"`, channel: `errand_new_jobs_${name}`, cancelChannel: `errand_canceled_${name}` };
}

const MARKER = /\{\{schema\}\}/g;

/** Puts the schema into SQL text: the one place an identifier enters a statement. */
export function withSchema(sql: string, schema: SchemaName): string {
  return sql.replace(MARKER, schema.quoted);
}
