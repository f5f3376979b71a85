import type { Command, CommanderError } from "commander";
import { Errand } from "../errand.js";
import type { ErrandOptions } from "../errand-options.js";
import { missingStore } from "../store/connect.js";
import { printableDatabase } from "../store/printable-database.js";
import { ErrandError, SchemaBehindError, ValidationError } from "../core/errors.js";

/** Exit codes: 0 ok, 1 the operation failed (not found, conflict, job failed), 2 bad input. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Connects, runs `fn`, always closes, and turns errors into one clear line and an exit code.
 * A store not there yet (no SQLite file, no Errand schema in PostgreSQL) is refused unless
 * `create` (commands that add jobs or schedules): a mistyped --database must not leave an empty
 * database behind and answer "no jobs".
 */
export async function withErrand(
  store: { database: string; migrate: boolean },
  fn: (errand: Errand) => Promise<number | void>,
  { create = false, flags = {} }: { create?: boolean; flags?: FlagNames } = {},
): Promise<void> {
  let errand: Errand | null = null;
  try {
    const missing = create ? null : await missingStore(store.database);
    if (missing !== null) {
      throw new CliUsageError(`${missing} (--database ${printableDatabase(store.database)}); check it, or create it by running \`errand migrate\` ${SAME_DATABASE}`);
    }
    errand = await connectForCommand(store.database, { migrate: store.migrate });
    process.exitCode = (await fn(errand)) ?? 0;
  } catch (error) {
    process.exitCode = reportError(error, flags);
  } finally {
    await errand?.close({ graceMs: 0 });
  }
}

/**
 * Errand.connect for a command given `database`: a schema left behind (`--no-migrate`) says to
 * migrate that store, not whatever `errand migrate` alone would open (./errand.db).
 */
export async function connectForCommand(database: string, options: ErrandOptions): Promise<Errand> {
  try {
    return await Errand.connect(database, options);
  } catch (error) {
    if (!(error instanceof SchemaBehindError)) throw error;
    throw new SchemaBehindError(error.found, error.needed, `run \`errand migrate\` ${SAME_DATABASE} first (${printableDatabase(database)})`);
  }
}

/** Run alone, `errand migrate` opens ERRAND_DATABASE_URL or ./errand.db, maybe not the store meant. */
const SAME_DATABASE = "with the same --database (or ERRAND_DATABASE_URL)";

/**
 * Checks a command's flags with `parse` before anything connects (bad input exits 2 and leaves
 * no new SQLite file behind), then runs `fn` with what it returned, as withErrand does.
 */
export async function withParsedFlags<T>(
  parse: () => T,
  store: { database: string; migrate: boolean },
  fn: (errand: Errand, parsed: T) => Promise<number | void>,
  options: { create?: boolean; flags?: FlagNames } = {},
): Promise<void> {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    process.exitCode = reportError(error, options.flags);
    return;
  }
  await withErrand(store, (errand) => fn(errand, parsed), options);
}

/**
 * Makes commander's own usage errors (missing argument, unknown option or command, invalid
 * choice) exit 2 like ours; it exits 1 by default. Help and --version keep exit 0. Set on every
 * command in the tree, because a command made with `new Command()` and added with `addCommand`
 * inherits nothing from its parent, and its own `.command()` children copy only what it has.
 */
export function exitUsageErrorsWith2(command: Command): void {
  command.exitOverride((error: CommanderError) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
  for (const sub of command.commands) exitUsageErrorsWith2(sub);
}

/** Library option names (a ValidationError's field) → the flags that set them. */
export type FlagNames = Readonly<Record<string, string>>;

/**
 * A ValidationError about a library option that a flag set, reworded to name the flag (and the
 * flags of the options its detail mentions), so the user reads what they typed; else `error`.
 */
export function inFlagTerms(error: unknown, flags: FlagNames): unknown {
  const flag = error instanceof ValidationError ? flags[error.field] : undefined;
  if (!(error instanceof ValidationError) || flag === undefined) return error;
  return new CliUsageError(`${flag}: ${error.detailRenamed((option) => flags[option])}`);
}

/** Writes one `errand: …` line for `error` (naming flags per `flags`) and returns the exit code. */
export function reportError(caught: unknown, flags: FlagNames = {}): number {
  const error = inFlagTerms(caught, flags);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`errand: ${message}\n`);
  if (error instanceof ErrandError) return error.code === "invalid_input" ? EXIT_USAGE : EXIT_FAILURE;
  return EXIT_FAILURE;
}

/** Parses an integer option within `range` (inclusive), or throws a usage error naming it. */
export function intOption(value: string, name: string, range?: IntRange): number;
export function intOption(value: string | undefined, name: string, range?: IntRange): number | undefined;
export function intOption(value: string | undefined, name: string, range: IntRange = {}): number | undefined {
  if (value === undefined) return undefined;
  const { min = -Infinity, max = Infinity } = range;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) throw new CliUsageError(`${name} must be ${describeRange(min, max)}, got "${value}"`);
  return n;
}

/** A decimal number flag; its range is the library's to check. */
export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new CliUsageError(`${name} must be a number, got "${value}"`);
  return n;
}

type IntRange = { min?: number; max?: number };

function describeRange(min: number, max: number): string {
  if (max !== Infinity) return `an integer from ${min} to ${max}`;
  return min === -Infinity ? "an integer" : `an integer of at least ${min}`;
}

/** Splits a comma-separated option into its trimmed, non-empty items. */
export function commaList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** Parses a JSON option, or throws a usage error naming it. */
export function jsonOption(value: string, name: string): {} | null {
  try {
    return JSON.parse(value) as {} | null; // never undefined: JSON has no such value
  } catch (error) {
    throw new CliUsageError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Runs a library parser that throws plain Errors on bad text (all of them bad input), so it exits 2 naming the flag. */
export function parsedOption<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new CliUsageError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export class CliUsageError extends ErrandError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_input", message, options);
  }
}
