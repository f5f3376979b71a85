import { CronExpressionParser, type CronExpression } from "cron-parser";
import { ValidationError } from "./errors.js";

/**
 * A cron expression read in a time zone: 5 fields, or 6 with seconds first, or an alias such
 * as `@daily`. Ticks are absolute instants, so DST never repeats or drops one twice: a wall
 * time that does not exist (the spring-forward hour) runs once, an hour later on the clock; one
 * that occurs twice (fall-back) runs once, at its first occurrence. Expressions that step
 * through the hour (every 30 minutes, say) keep their spacing in real time across both changes.
 */
export interface CronSpec {
  cron: string;
  timezone: string;
}

const MAX_CRON_LENGTH = 256;

/** What a cron expression looks like, for error messages (cron-parser's alone can puzzle: `cannot resolve alias "eve"`). */
export const CRON_FORM =
  'a cron expression is 5 fields, minute hour day-of-month month day-of-week (e.g. "0 3 * * *": 03:00 every day), ' +
  "or 6 with seconds first, or an alias such as @daily";

/** Checks a cron expression and an IANA time zone; throws ValidationError naming the bad one. */
export function validateCronSpec(cron: unknown, timezone: unknown): CronSpec {
  if (typeof timezone !== "string" || !isTimeZone(timezone))
    throw new ValidationError("timezone", 'must be an IANA time zone such as "UTC" or "Europe/Berlin"');
  if (typeof cron !== "string" || cron.trim() === "" || cron.length > MAX_CRON_LENGTH)
    throw new ValidationError("cron", `must be a cron expression of 1–${MAX_CRON_LENGTH} characters`);
  const spec = { cron: cron.trim(), timezone };
  // Counted first: cron-parser takes 1–4 fields too, filling the missing ones on the left with
  // `*`, so "0 3 * *" (a field forgotten) would run every minute of the third of each month.
  const fields = spec.cron.split(/\s+/).length;
  if (!spec.cron.startsWith("@") && fields !== 5 && fields !== 6)
    throw new ValidationError("cron", `${JSON.stringify(spec.cron)} has ${fields} field${fields === 1 ? "" : "s"}; ${CRON_FORM}`);
  try {
    // Also proves the expression ever fires (e.g. "0 0 30 2 *" never does).
    expression(spec, new Date()).next();
  } catch (error) {
    throw new ValidationError("cron", `is not a valid cron expression (${(error as Error).message}); ${CRON_FORM}`);
  }
  return spec;
}

/** The first tick strictly after `after`. */
export function tickAfter(spec: CronSpec, after: Date): Date {
  return expression(spec, after).next().toDate();
}

/**
 * Ticks in [from, to], oldest first, at most `limit` of them (the oldest ones).
 * Iterates forward, so its cost is the number of ticks returned.
 */
export function ticksBetween(spec: CronSpec, from: Date, to: Date, limit: number): Date[] {
  const iterator = expression(spec, new Date(from.getTime() - 1));
  const ticks: Date[] = [];
  while (ticks.length < limit) {
    const tick = iterator.next().toDate();
    if (tick > to) break;
    ticks.push(tick);
  }
  return ticks;
}

/** The newest ticks in [from, before), oldest first, at most `limit` of them. */
export function newestTicksBefore(spec: CronSpec, from: Date, before: Date, limit: number): Date[] {
  const iterator = expression(spec, before);
  const ticks: Date[] = [];
  while (ticks.length < limit) {
    const tick = iterator.prev().toDate();
    if (tick < from) break;
    ticks.push(tick);
  }
  return ticks.reverse();
}

function expression(spec: CronSpec, currentDate: Date): CronExpression {
  return CronExpressionParser.parse(spec.cron, { currentDate, tz: spec.timezone });
}

function isTimeZone(name: string): boolean {
  if (name === "" || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
