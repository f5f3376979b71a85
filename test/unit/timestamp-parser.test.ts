import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { parseTimestamptz } from "../../src/store/postgres/timestamp-parser.js";

const pgParser = pg.types.getTypeParser(1184, "text") as (text: string) => Date;
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `date` as PostgreSQL writes timestamptz text (DateStyle ISO) in a zone `offsetMinutes` east of UTC. */
function pgText(date: Date, fractionDigits: number, offsetMinutes: number): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const micros = pad(local.getUTCMilliseconds(), 3) + "417";
  const fraction = fractionDigits === 0 ? "" : "." + micros.slice(0, fractionDigits);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const offset = pad(Math.floor(abs / 60)) + (abs % 60 === 0 ? "" : ":" + pad(abs % 60));
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${sign}${offset}`
  );
}

describe("parseTimestamptz", () => {
  it("reads every ISO timestamptz text exactly as pg's own parser does", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("0100-01-02T00:00:00Z"), max: new Date("9999-12-30T00:00:00Z"), noInvalidDate: true }),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(0, 60, -300, 330, 345, -210, 600, 840, -720),
        (date, fractionDigits, offset) => {
          const text = pgText(date, fractionDigits, offset);
          expect(parseTimestamptz(text).getTime()).toBe(pgParser(text).getTime());
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("hands what it does not read by position to pg's parser", () => {
    for (const text of ["infinity", "-infinity", "0044-03-15 12:00:00+00 BC", "12021-01-01 00:00:00+00", "1900-01-01 00:00:00+00:19:32", "0099-12-31 23:59:59+00"]) {
      expect(parseTimestamptz(text)).toEqual(pgParser(text));
    }
  });
});
