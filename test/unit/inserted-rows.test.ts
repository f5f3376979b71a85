import { describe, expect, it } from "vitest";
import { insertedRows } from "../../src/store/postgres/insert-params.js";

const created_at = new Date("2026-12-06T12:00:00Z");

describe("insertedRows (insert_jobs.sql's one row, per input)", () => {
  it("counts consecutive ids up from the first, past 2^53 exactly", () => {
    const rows = insertedRows({ created_at, first_id: "9007199254740990", ids: null, states: "p", not_inserted: null }, 4);
    expect(rows.map((r) => r!.id)).toEqual(["9007199254740990", "9007199254740991", "9007199254740992", "9007199254740993"]);
  });

  it("takes listed ids and per-input states as given, and leaves out the inputs not inserted", () => {
    const rows = insertedRows({ created_at, first_id: "4", ids: "4,9,12", states: "psb", not_inserted: "9" }, 3);
    expect(rows).toEqual([{ id: "4", state: "pending", created_at }, undefined, { id: "12", state: "blocked", created_at }]);
  });

  it("gives every input the state of a one-letter answer", () => {
    const rows = insertedRows({ created_at, first_id: "7", ids: null, states: "s", not_inserted: null }, 2);
    expect(rows.map((r) => [r!.id, r!.state])).toEqual([["7", "scheduled"], ["8", "scheduled"]]);
  });
});
