import { pino, type Logger } from "pino";
import { ValidationError } from "./core/errors.js";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * The pino level ERRAND_LOG_LEVEL names, or `fallback` when it is unset or empty. Checked here,
 * so a typo is a ValidationError naming the variable, not pino's "default level:verbose must be
 * included in custom levels".
 */
export function logLevelFromEnv(fallback: (typeof LEVELS)[number]): string {
  const value = process.env.ERRAND_LOG_LEVEL?.trim();
  if (value === undefined || value === "") return fallback;
  if (!(LEVELS as readonly string[]).includes(value))
    throw new ValidationError("ERRAND_LOG_LEVEL", `must be one of ${LEVELS.join(", ")}, not ${JSON.stringify(value)}`);
  return value;
}

/**
 * Errand's JSON log at ERRAND_LOG_LEVEL, else `fallback`: the library's default (warn, on
 * stderr) and the CLI's long-running processes' (info: serve on stdout, work on stderr).
 */
export function errandLogger(fallback: (typeof LEVELS)[number], stream: "stdout" | "stderr"): Logger {
  const options = { name: "errand", level: logLevelFromEnv(fallback) };
  return stream === "stdout" ? pino(options) : pino(options, pino.destination(2));
}
