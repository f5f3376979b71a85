import { describe, expect, it } from "vitest";
import { serializePayload } from "../../src/core/payload.js";

describe("payload validation", () => {
  it("accepts plain JSON and returns its text", () => {
    expect(serializePayload({ a: [1, "x", null, true, { b: 2.5 }] })).toBe('{"a":[1,"x",null,true,{"b":2.5}]}');
    expect(serializePayload(Object.create(null))).toBe("{}");
  });

  it("names the path of what cannot round-trip", () => {
    expect(() => serializePayload({ a: { when: new Date() } })).toThrow(/payload\.a\.when: a Date/);
    expect(() => serializePayload({ list: [1, undefined] })).toThrow(/payload\.list\[1\]: a value of type undefined/);
    expect(() => serializePayload({ n: Infinity })).toThrow(/payload\.n/);
    expect(() => serializePayload({ big: 10n })).toThrow(/bigint/);
    expect(() => serializePayload(new Map())).toThrow(/Map/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => serializePayload(cyclic)).toThrow(/payload\.self\.back: contains a cycle/);
  });

  it("passes what it passed before its fast path: holes of a sparse array become null", () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(serializePayload({ list: [1, , 3] })).toBe('{"list":[1,null,3]}');
  });

  it("enforces size and depth limits", () => {
    expect(() => serializePayload("x".repeat(100), { maxBytes: 50, maxDepth: 5 })).toThrow(/102 bytes.*limit is 50/);
    // Counted in UTF-8 bytes, not characters: 20 characters of 3 bytes each.
    expect(() => serializePayload("\u20ac".repeat(20), { maxBytes: 61, maxDepth: 5 })).toThrow(/62 bytes.*limit is 61/);
    expect(serializePayload("\u20ac".repeat(20), { maxBytes: 62, maxDepth: 5 })).toBe(`"${"\u20ac".repeat(20)}"`);
    let deep: unknown = 1;
    for (let i = 0; i < 6; i++) deep = [deep];
    expect(() => serializePayload(deep, { maxBytes: 1e6, maxDepth: 5 })).toThrow(/deeper than 5/);
  });

  it("allows a shared (non-cyclic) reference twice", () => {
    const shared = { x: 1 };
    expect(serializePayload({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
