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
  });

  it("enforces size and depth limits", () => {
    expect(() => serializePayload("x".repeat(100), { maxBytes: 50, maxDepth: 5 })).toThrow(/102 bytes.*limit is 50/);
    let deep: unknown = 1;
    for (let i = 0; i < 6; i++) deep = [deep];
    expect(() => serializePayload(deep, { maxBytes: 1e6, maxDepth: 5 })).toThrow(/deeper than 5/);
  });

  it("allows a shared (non-cyclic) reference twice", () => {
    const shared = { x: 1 };
    expect(serializePayload({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
