import { ValidationError } from "./errors.js";
import { rejectUnknownKeys } from "./option-keys.js";
import { TERMINAL_STATES, type TerminalState } from "./states.js";
import { timerMs } from "./timer-limit.js";

/** How long ended jobs of one state are kept. A job past either limit is deleted; null lifts that limit. */
export interface RetentionRule {
  /** Keep jobs at most this long after they ended, ms. */
  maxAgeMs?: number | null;
  /** Keep at most this many of the most recently ended jobs. */
  maxCount?: number | null;
}

export interface RetentionOptions {
  /** Default: 7 days, no count limit. */
  completed?: RetentionRule;
  /** The dead-letter set. Default: 30 days, no count limit. */
  failed?: RetentionRule;
  /** Default: 7 days, no count limit. */
  canceled?: RetentionRule;
  /** How often a sweep runs, ms. Default 60 000. */
  intervalMs?: number;
  /** Most rows deleted per transaction, so claims and completions never wait long. Default 500. */
  batchSize?: number;
}

export interface RetentionPolicy {
  rules: Record<TerminalState, { maxAgeMs: number | null; maxCount: number | null }>;
  intervalMs: number;
  batchSize: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  rules: {
    completed: { maxAgeMs: 7 * DAY_MS, maxCount: null },
    failed: { maxAgeMs: 30 * DAY_MS, maxCount: null },
    canceled: { maxAgeMs: 7 * DAY_MS, maxCount: null },
  },
  intervalMs: 60_000,
  batchSize: 500,
};

const RETENTION_KEYS: ReadonlySet<string> = new Set([...TERMINAL_STATES, "intervalMs", "batchSize"]);
const RULE_KEYS: ReadonlySet<string> = new Set(["maxAgeMs", "maxCount"]);

/** The policy `options` asks for, each field checked and filled from the defaults; null when retention is off. */
export function resolveRetention(options: RetentionOptions | false | undefined): RetentionPolicy | null {
  if (options === false) return null;
  if (options === undefined) return DEFAULT_RETENTION;
  if (typeof options !== "object" || options === null) throw new ValidationError("retention", "must be an object or false");
  rejectUnknownKeys(options, RETENTION_KEYS, "retention.");
  const rules = { ...DEFAULT_RETENTION.rules };
  for (const state of TERMINAL_STATES) {
    const rule = options[state];
    if (rule === undefined) continue;
    if (typeof rule !== "object" || rule === null) throw new ValidationError(`retention.${state}`, "must be an object");
    rejectUnknownKeys(rule, RULE_KEYS, `retention.${state}.`);
    rules[state] = {
      maxAgeMs: ruleLimit(rule.maxAgeMs, rules[state].maxAgeMs, `retention.${state}.maxAgeMs`),
      maxCount: ruleLimit(rule.maxCount, rules[state].maxCount, `retention.${state}.maxCount`),
    };
  }
  return {
    rules,
    intervalMs: timerMs(options.intervalMs === undefined ? DEFAULT_RETENTION.intervalMs : options.intervalMs, "retention.intervalMs"),
    batchSize: positiveInt(options.batchSize, DEFAULT_RETENTION.batchSize, "retention.batchSize"),
  };
}

function ruleLimit(value: number | null | undefined, fallback: number | null, field: string): number | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new ValidationError(field, "must be an integer ≥ 0, or null for no limit");
  return value;
}

function positiveInt(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new ValidationError(field, "must be a positive integer");
  return value;
}

