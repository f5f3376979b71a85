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
  // cron-parser reads an `H` field as a hashed value: a random one on every parse, without a
  // seed, so the next tick moved at every look and the schedule never fired.
  if (!spec.cron.startsWith("@") && /(?:^|[\s,])H(?![a-z])/i.test(spec.cron))
    throw new ValidationError("cron", `${JSON.stringify(spec.cron)} uses H (a hashed value), which Errand does not take; ${CRON_FORM}`);
  try {
    // Also proves the expression ever fires (e.g. "0 0 30 2 *" never does).
    tickAfter(spec, new Date());
  } catch (error) {
    throw new ValidationError("cron", `is not a valid cron expression (${(error as Error).message}); ${CRON_FORM}`);
  }
  return spec;
}

/** The first tick strictly after `after`. */
export function tickAfter(spec: CronSpec, after: Date): Date {
  return ticksAfter(spec, after)();
}

/**
 * Ticks in [from, to], oldest first, at most `limit` of them (the oldest ones).
 * Iterates forward, so its cost is the number of ticks returned.
 */
export function ticksBetween(spec: CronSpec, from: Date, to: Date, limit: number): Date[] {
  const next = ticksAfter(spec, new Date(from.getTime() - 1));
  const ticks: Date[] = [];
  while (ticks.length < limit) {
    const tick = next();
    if (tick > to) break;
    ticks.push(tick);
  }
  return ticks;
}

/** Ticks prev() may list that forward iteration does not, or miss: one per offset change it crosses, with room to spare. */
const PREV_SLACK = 24;

/**
 * The newest ticks in [from, before), oldest first, at most `limit` of them. cron-parser's
 * prev() walks the wall clock backwards and disagrees with forward iteration across DST (it
 * drops the spring-forward day's 02:30 and gives the fall-back day two), so it only says where
 * to start: forward iteration from there decides which ticks there are. Its cost is about
 * `limit` ticks, however long ago `from` is.
 */
export function newestTicksBefore(spec: CronSpec, from: Date, before: Date, limit: number): Date[] {
  if (limit <= 0) return [];
  const back = expression(spec, before);
  // From the oldest of that many ticks back; from `from` if there are fewer (by prev's count).
  let start = from;
  for (let i = 0; i < limit + PREV_SLACK; i++) {
    const tick = back.prev().toDate();
    if (tick < from) {
      start = from;
      break;
    }
    start = tick;
  }
  const next = ticksAfter(spec, new Date(start.getTime() - 1));
  const ticks: Date[] = [];
  for (let tick = next(); tick < before; tick = next()) ticks.push(tick);
  return ticks.slice(-limit);
}

/** Longer than any DST shift: how far back an iteration starts when the offset changed that close. */
const OFFSET_CHANGE_MARGIN_MS = 3 * 3_600_000;

/**
 * A function giving, call after call, the ticks strictly after `after`, as forward iteration
 * from before any nearby offset change gives them. Started inside or just after a change,
 * cron-parser reads the wall clock there: started in the second pass of a repeated hour, it
 * would give a daily 02:30 a second run that day. So when the zone's offset changed within the
 * margin before `after`, iteration starts before the change and passes over what is not after.
 */
function ticksAfter(spec: CronSpec, after: Date): () => Date {
  const early = new Date(after.getTime() - OFFSET_CHANGE_MARGIN_MS);
  const nearChange = utcOffset(spec.timezone, early) !== utcOffset(spec.timezone, after);
  let iterator = expression(spec, nearChange ? early : after);
  let last = nearChange ? early : after;
  /** While set, `iterator` reads a fixed offset, right only until the zone's next change (this). */
  let fixedUntil: Date | null = null;
  const next = (): Date => {
    for (;;) {
      let tick: Date;
      try {
        tick = iterator.next().toDate();
      } catch (error) {
        // cron-parser gives up ("loop limit exceeded", after half a second) when started at some
        // times before a half-hour offset change (Australia/Lord_Howe: for about 14 h before
        // it). Until that change the zone is one fixed offset: read the expression there.
        if (!isLoopLimit(error) || fixedUntil !== null) throw error;
        fixedUntil = nextOffsetChange(spec.timezone, last);
        if (fixedUntil === null) throw error;
        iterator = expression({ cron: spec.cron, timezone: fixedZone(utcOffset(spec.timezone, last)) }, last);
        continue;
      }
      if (fixedUntil !== null && tick >= fixedUntil) {
        // Past the change: the zone itself again, from the change on.
        iterator = expression(spec, new Date(fixedUntil.getTime() - 1));
        last = fixedUntil;
        fixedUntil = null;
        continue;
      }
      last = tick;
      return tick;
    }
  };
  return () => {
    for (;;) {
      const tick = next();
      if (tick > after) return tick;
    }
  };
}

const isLoopLimit = (error: unknown) => error instanceof Error && /loop limit exceeded/i.test(error.message);

/** The first time after `from`, within two days, at which the zone's offset changes; null if none. */
function nextOffsetChange(timezone: string, from: Date): Date | null {
  const offset = utcOffset(timezone, from);
  let low = from.getTime();
  let high = low + 2 * 86_400_000;
  if (utcOffset(timezone, new Date(high)) === offset) return null;
  while (high - low > 1_000) {
    const middle = Math.floor((low + high) / 2);
    if (utcOffset(timezone, new Date(middle)) === offset) low = middle;
    else high = middle;
  }
  return new Date(high);
}

/** A fixed-offset zone cron-parser reads ("UTC+11:00") for an offset as Intl names it ("GMT+11:00", or "GMT" for zero). */
const fixedZone = (offset: string) => (offset === "GMT" ? "UTC" : offset.replace(/^GMT/, "UTC"));

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at `at`, as Intl names it ("GMT+02:00"). */
function utcOffset(timezone: string, at: Date): string {
  let format = offsetFormats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" });
    offsetFormats.set(timezone, format);
  }
  return format.formatToParts(at).find((part) => part.type === "timeZoneName")?.value ?? "";
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
