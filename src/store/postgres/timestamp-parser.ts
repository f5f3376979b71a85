import pg from "pg";

const TIMESTAMPTZ_OID = 1184;
const pgTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, "text") as (text: string) => Date;

const digit = (text: string, i: number): number => {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const twoDigits = (text: string, i: number): number => digit(text, i) * 10 + digit(text, i + 1);

/**
 * Parses timestamptz text as PostgreSQL writes it with DateStyle ISO —
 * `2026-11-22 10:01:02.123456+00`, or `…+05:30` — by character position. pg's own parser runs
 * three regular expressions per value, and every claimed or inserted job carries several
 * timestamps: it was a visible share of a worker's CPU. Anything else (infinity, BC dates,
 * years past 9999, offsets with seconds) goes to pg's parser, so the result is always the same.
 */
export function parseTimestamptz(text: string): Date {
  if (text.length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58)
    return pgTimestamptz(text);
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    // Fractions of a millisecond are dropped, as Date (and pg's parser) drop them.
    let scale = 100;
    for (i++; i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57; i++) {
      ms += digit(text, i) * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  const sign = text.charCodeAt(i) === 43 ? 1 : text.charCodeAt(i) === 45 ? -1 : 0;
  let offsetMinutes = twoDigits(text, i + 1) * 60;
  if (text.length === i + 6 && text.charCodeAt(i + 3) === 58) offsetMinutes += twoDigits(text, i + 4);
  else if (text.length !== i + 3) return pgTimestamptz(text);
  const utc = Date.UTC(year, twoDigits(text, 5) - 1, twoDigits(text, 8), twoDigits(text, 11), twoDigits(text, 14), twoDigits(text, 17), ms);
  // NaN (a character that was not a digit, or no sign) falls back; Date.UTC maps years 0–99 to 19xx.
  if (sign === 0 || Number.isNaN(utc) || Number.isNaN(offsetMinutes) || year < 100) return pgTimestamptz(text);
  return new Date(utc - sign * offsetMinutes * 60_000);
}

/** pg's type parsers, with the fast timestamptz one: for the store's own pool. */
export const storeTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMPTZ_OID && format !== "binary") return parseTimestamptz;
    return pg.types.getTypeParser(oid, format);
  },
};
